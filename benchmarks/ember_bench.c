/* ember_bench: time one Ember program in a fresh process, for benchmarks/run.py.
 *
 *   ember_bench model.ember SECONDS in0.npy [in1.npy ...] -o OUTDIR [-t THREADS]
 *
 * Prints one JSON line: load_ms (map + ember_program_load), init_ms (memory size query,
 * one aligned allocation, ember_method_init), runs, median_ms, p90_ms (after two warm-up
 * runs, timed runs for at least SECONDS), method_bytes, peak_rss_kb; writes the outputs
 * of the last run to OUTDIR/output_<k>.npy. Inputs are copied (set_input) before each
 * run, outside the timing. -t N splits the kernels over N threads (runtime_c/examples/
 * ember_pool.c; the pool is started before the load timing, as an app starts it once).
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ember.h"
#include "ember_pool.h"
#include "npy.h"
#include "timing.h"

#define MAX_IO 16
#define MAX_RUNS 100000

static double times[MAX_RUNS];

/* Peak resident set of this process image in KiB (VmHWM; ru_maxrss would carry the
 * parent's peak across fork + exec). */
static long peak_rss_kb(void) {
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: ember_bench model.ember SECONDS in.npy [...] -o OUTDIR\n");
        return 2;
    }
    const char *path = argv[1], *outdir = NULL;
    double seconds = atof(argv[2]);
    const char *inputs[MAX_IO];
    int n_in = 0, threads = 1;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) outdir = argv[++i];
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (n_in < MAX_IO) inputs[n_in++] = argv[i];
    }
    ember_pool *pool = NULL;
    if (threads < 1 || threads > EMBER_MAX_THREADS || (threads > 1 && (pool = ember_pool_create(threads)) == NULL)) {
        fprintf(stderr, "ember_bench: -t %d: cannot run on that many threads\n", threads);
        return 2;
    }
    double t0 = timing_now_ms();
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "ember_bench: cannot open %s\n", path);
        return 1;
    }
    void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) return 1;
    static ember_program_storage storage;
    ember_program *prog = NULL;
    ember_method *m = NULL;
    ember_status s = ember_program_load(&storage, sizeof storage, data, (size_t)st.st_size, &prog);
    if (s != EMBER_OK) {
        fprintf(stderr, "ember_bench: %s: %s\n", path, ember_program_message(prog));
        return 1;
    }
    double t1 = timing_now_ms();
    size_t need = 0;
    void *mem = NULL;
    if (ember_method_memory_size_threads(prog, "forward", threads, &need) != EMBER_OK ||
        posix_memalign(&mem, 64, need) != 0)
        return 1;
    if ((s = ember_method_init(prog, "forward", mem, need, &m)) != EMBER_OK ||
        (threads > 1 && (s = ember_method_set_threads(m, threads, ember_pool_parallel_for, pool)) != EMBER_OK)) {
        fprintf(stderr, "ember_bench: %s\n", ember_method_message(m));
        return 1;
    }
    double t2 = timing_now_ms();
    npy_array arrays[MAX_IO];
    memset(arrays, 0, sizeof arrays);
    for (int j = 0; j < n_in; j++) {
        char err[512];
        if (npy_load(inputs[j], &arrays[j], err, sizeof err) != 0) {
            fprintf(stderr, "ember_bench: %s\n", err);
            return 1;
        }
    }
    int runs = 0;
    double start = 0;
    for (int r = 0; r < MAX_RUNS; r++) {
        for (int j = 0; j < n_in; j++) {
            npy_array *a = &arrays[j];
            if (ember_method_set_input(m, j, a->dtype, a->shape, a->rank, a->data, a->nbytes) != EMBER_OK) {
                fprintf(stderr, "ember_bench: input %d: %s\n", j, ember_method_message(m));
                return 1;
            }
        }
        double a0 = timing_now_ms();
        if ((s = ember_method_run(m)) != EMBER_OK) {
            fprintf(stderr, "ember_bench: run: %s\n", ember_method_message(m));
            return 1;
        }
        double a1 = timing_now_ms();
        if (r == 2) start = a0;           /* runs 0 and 1 warm up */
        if (r >= 2) {
            times[runs++] = a1 - a0;
            if (runs >= 5 && a1 - start >= seconds * 1e3) break;
        }
    }
    for (int32_t j = 0; outdir && j < ember_method_output_count(m); j++) {
        ember_tensor_info out;
        char file[1024], err[512];
        if (ember_method_output(m, j, &out) != EMBER_OK) return 1;
        snprintf(file, sizeof file, "%s/output_%d.npy", outdir, (int)j);
        if (npy_save(file, out.dtype, out.shape, out.rank, out.data, out.nbytes, err, sizeof err) != 0) {
            fprintf(stderr, "ember_bench: %s\n", err);
            return 1;
        }
    }
    qsort(times, (size_t)runs, sizeof times[0], timing_cmp_double);
    printf("{\"load_ms\": %.4f, \"init_ms\": %.4f, \"runs\": %d, \"median_ms\": %.4f, \"p90_ms\": %.4f, "
           "\"method_bytes\": %zu, \"peak_rss_kb\": %ld}\n",
           t1 - t0, t2 - t1, runs, times[runs / 2], times[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1],
           need, peak_rss_kb());
    for (int j = 0; j < n_in; j++) npy_free(&arrays[j]);
    free(mem);
    ember_pool_free(pool);
    munmap(data, (size_t)st.st_size);
    return 0;
}
