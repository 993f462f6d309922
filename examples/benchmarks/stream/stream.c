/*
 * Memory bandwidth: copy, scale, add and triad kernels over arrays of doubles
 * (the STREAM idea, written for cmc). Each kernel runs `iters` times; the best
 * time gives the bandwidth, as STREAM reports it. OpenMP threads come from
 * --threads. Results are written as JSON (GB/s, 1 GB = 1e9 bytes).
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  long n = 20 * 1000 * 1000;
  int threads = 1, iters = 10;
  const char *out = "/cmc/out/metrics.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--size")) n = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--iters")) iters = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  if (n < 1000 || threads < 1 || iters < 2) { fprintf(stderr, "need --size >= 1000, --threads >= 1, --iters >= 2\n"); return 2; }
  omp_set_num_threads(threads);
  double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
  if (!a || !b || !c) { fprintf(stderr, "out of memory for %ld doubles x 3\n", n); return 3; }
  const double q = 3.0;
#pragma omp parallel for schedule(static)
  for (long j = 0; j < n; j++) { a[j] = 1.0; b[j] = 2.0; c[j] = 0.0; }

  const char *names[4] = {"copy", "scale", "add", "triad"};
  const double bytes[4] = {2.0 * n * sizeof(double), 2.0 * n * sizeof(double), 3.0 * n * sizeof(double), 3.0 * n * sizeof(double)};
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  for (int k = 0; k < iters; k++) {
    double t;
    t = now();
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) c[j] = a[j];
    t = now() - t; if (k && t < best[0]) best[0] = t;
    t = now();
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) b[j] = q * c[j];
    t = now() - t; if (k && t < best[1]) best[1] = t;
    t = now();
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) c[j] = a[j] + b[j];
    t = now() - t; if (k && t < best[2]) best[2] = t;
    t = now();
#pragma omp parallel for schedule(static)
    for (long j = 0; j < n; j++) a[j] = b[j] + q * c[j];
    t = now() - t; if (k && t < best[3]) best[3] = t;
  }
  /* Check the arithmetic so a broken build cannot report a number. */
  double ea = 1.0, eb = 2.0, ec = 0.0;
  for (int k = 0; k < iters; k++) { ec = ea; eb = q * ec; ec = ea + eb; ea = eb + q * ec; }
  long bad = 0;
  /* relative: fused multiply-adds (a compiler's choice per target) may round differently */
#define OFF(x, e) (fabs((x) - (e)) > 1e-12 * fabs(e))
  for (long j = 0; j < n; j += n / 1000) if (OFF(a[j], ea) || OFF(b[j], eb) || OFF(c[j], ec)) bad++;
  if (bad) { fprintf(stderr, "validation failed: %ld sampled elements differ\n", bad); return 4; }

  struct utsname u;
  if (uname(&u) != 0) strcpy(u.machine, "unknown");
  FILE *f = fopen(out, "w");
  if (!f) { perror(out); return 5; }
  fprintf(f, "{");
  for (int i = 0; i < 4; i++) {
    double gbs = bytes[i] / best[i] / 1e9;
    printf("%-6s %10.2f GB/s  (best %.6f s, %d threads, %ld elements, %s)\n", names[i], gbs, best[i], threads, n, u.machine);
    fprintf(f, "%s\"%s_gbs\": %.4f", i ? ", " : "", names[i], gbs);
  }
  fprintf(f, "}\n");
  fclose(f);
  free(a); free(b); free(c);
  return 0;
}
