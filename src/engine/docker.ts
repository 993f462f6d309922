// The Docker client: the one place that creates a dockerode instance.
// Honours DOCKER_HOST (unix://, tcp://) and the current docker context.
import Docker from 'dockerode'

let client: Docker | undefined

export function getDocker(): Docker {
  if (!client) client = new Docker()
  return client
}
