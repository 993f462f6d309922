// GPU memory bandwidth and SAXPY throughput with CUDA (written for cmc).
// copy, scale, add, triad kernels over device arrays of floats, timed with
// CUDA events (best of `iters`), checked against the host, written as JSON.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <cuda_runtime.h>

#define CHECK(x) do { cudaError_t cmc_err_ = (x); if (cmc_err_ != cudaSuccess) { \
  fprintf(stderr, "CUDA error %s at %s:%d: %s\n", #x, __FILE__, __LINE__, cudaGetErrorString(cmc_err_)); return 3; } } while (0)

__global__ void copy_k(float *c, const float *a, size_t n) { for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) c[i] = a[i]; }
__global__ void scale_k(float *b, const float *c, float q, size_t n) { for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) b[i] = q * c[i]; }
__global__ void add_k(float *c, const float *a, const float *b, size_t n) { for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) c[i] = a[i] + b[i]; }
__global__ void triad_k(float *a, const float *b, const float *c, float q, size_t n) { for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) a[i] = b[i] + q * c[i]; }

int main(int argc, char **argv) {
  size_t n = 1ull << 26;  // 64 Mi floats = 256 MiB per array
  int iters = 20;
  const char *out = "/cmc/out/metrics.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--size")) n = strtoull(argv[i + 1], nullptr, 10);
    else if (!strcmp(argv[i], "--iters")) iters = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  int dev = 0; cudaDeviceProp prop;
  CHECK(cudaGetDevice(&dev));
  CHECK(cudaGetDeviceProperties(&prop, dev));
  float *a, *b, *c;
  CHECK(cudaMalloc(&a, n * sizeof(float))); CHECK(cudaMalloc(&b, n * sizeof(float))); CHECK(cudaMalloc(&c, n * sizeof(float)));
  float *h = (float *)malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) h[i] = 1.0f;
  CHECK(cudaMemcpy(a, h, n * sizeof(float), cudaMemcpyHostToDevice));
  for (size_t i = 0; i < n; i++) h[i] = 2.0f;
  CHECK(cudaMemcpy(b, h, n * sizeof(float), cudaMemcpyHostToDevice));
  CHECK(cudaMemset(c, 0, n * sizeof(float)));
  const int threads = 256, blocks = prop.multiProcessorCount * 8;
  const float q = 0.4f;  // keeps values bounded over any number of iterations
  cudaEvent_t s, e; CHECK(cudaEventCreate(&s)); CHECK(cudaEventCreate(&e));
  const char *names[4] = {"copy", "scale", "add", "triad"};
  const double bytes[4] = {2.0 * n * sizeof(float), 2.0 * n * sizeof(float), 3.0 * n * sizeof(float), 3.0 * n * sizeof(float)};
  float best[4] = {1e30f, 1e30f, 1e30f, 1e30f};
  for (int k = 0; k < iters; k++) {
    for (int j = 0; j < 4; j++) {
      CHECK(cudaEventRecord(s));
      if (j == 0) copy_k<<<blocks, threads>>>(c, a, n);
      if (j == 1) scale_k<<<blocks, threads>>>(b, c, q, n);
      if (j == 2) add_k<<<blocks, threads>>>(c, a, b, n);
      if (j == 3) triad_k<<<blocks, threads>>>(a, b, c, q, n);
      CHECK(cudaEventRecord(e)); CHECK(cudaEventSynchronize(e));
      CHECK(cudaGetLastError());
      float ms; CHECK(cudaEventElapsedTime(&ms, s, e));
      if (k && ms < best[j]) best[j] = ms;
    }
  }
  float ea = 1.0f, eb = 2.0f, ec = 0.0f;
  for (int k = 0; k < iters; k++) { ec = ea; eb = q * ec; ec = ea + eb; ea = eb + q * ec; }
  CHECK(cudaMemcpy(h, a, n * sizeof(float), cudaMemcpyDeviceToHost));
  for (size_t i = 0; i < n; i += n / 1000 + 1)
    if (fabsf(h[i] - ea) > 1e-4f * fabsf(ea)) { fprintf(stderr, "validation failed at %zu: %g != %g\n", i, h[i], ea); return 4; }
  FILE *f = fopen(out, "w");
  if (!f) { perror(out); return 5; }
  fprintf(f, "{");
  for (int j = 0; j < 4; j++) {
    double gbs = bytes[j] / (best[j] * 1e-3) / 1e9;
    printf("%-6s %10.1f GB/s  (best %.3f ms, %zu floats, %s)\n", names[j], gbs, best[j], n, prop.name);
    fprintf(f, "%s\"%s_gbs\": %.2f", j ? ", " : "", names[j], gbs);
  }
  fprintf(f, ", \"gpu\": \"%s\"}\n", prop.name);
  fclose(f);
  return 0;
}
