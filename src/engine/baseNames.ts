// Names of bootstrapped base images: one tag per architecture, because an
// engine without a multi-arch image store keeps one architecture per tag.

export function hostArch(): 'amd64' | 'arm64' {
  return process.arch === 'arm64' ? 'arm64' : 'amd64'
}

/** debian:bookworm + arm64 -> cmc/base-debian:bookworm-arm64 */
export function bootstrapRef(image: string, arch: string): string {
  const [name, tag = 'latest'] = image.split(':')
  return `cmc/base-${name.replace(/\//g, '-')}:${tag}-${arch}`
}
