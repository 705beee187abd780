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

/* The command line. */
typedef struct bench_options {
    const char *path, *outdir, *inputs[MAX_IO];
    double seconds;
    int n_in, threads;
} bench_options;

/* The mapped file, the loaded program and its method, and how long loading took. */
typedef struct bench_model {
    void *data;          /* the mapped .ember file, `size` bytes */
    size_t size;
    ember_program *prog;
    ember_method *m;
    void *mem;           /* the method's memory, `need` bytes, 64-byte aligned */
    size_t need;
    double load_ms, init_ms;
} bench_model;

/* Fills *o from argv; 0, or 2 after printing the usage. */
static int parse_args(int argc, char **argv, bench_options *o) {
    memset(o, 0, sizeof *o);
    o->threads = 1;
    if (argc < 5) {
        fprintf(stderr, "usage: ember_bench model.ember SECONDS in.npy [...] -o OUTDIR\n");
        return 2;
    }
    o->path = argv[1];
    o->seconds = atof(argv[2]);
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) o->outdir = argv[++i];
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) o->threads = atoi(argv[++i]);
        else if (o->n_in < MAX_IO) o->inputs[o->n_in++] = argv[i];
    }
    return 0;
}

/* Maps and loads the program at path (timed as load_ms), then asks its method's memory
 * size, allocates it and initializes "forward" on `threads` threads of pool (init_ms).
 * 0, or 1 after printing what failed. */
static int load_model(const char *path, int threads, ember_pool *pool, bench_model *b) {
    static ember_program_storage storage;
    ember_status s;
    double t0 = timing_now_ms();
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "ember_bench: cannot open %s\n", path);
        return 1;
    }
    b->size = (size_t)st.st_size;
    b->data = mmap(NULL, b->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (b->data == MAP_FAILED) return 1;
    if (ember_program_load(&storage, sizeof storage, b->data, b->size, &b->prog) != EMBER_OK) {
        fprintf(stderr, "ember_bench: %s: %s\n", path, ember_program_message(b->prog));
        return 1;
    }
    double t1 = timing_now_ms();
    if (ember_method_memory_size_threads(b->prog, "forward", threads, &b->need) != EMBER_OK ||
        posix_memalign(&b->mem, 64, b->need) != 0)
        return 1;
    if ((s = ember_method_init(b->prog, "forward", b->mem, b->need, &b->m)) != EMBER_OK ||
        (threads > 1 && (s = ember_method_set_threads(b->m, threads, ember_pool_parallel_for, pool)) != EMBER_OK)) {
        fprintf(stderr, "ember_bench: %s\n", ember_method_message(b->m));
        return 1;
    }
    b->load_ms = t1 - t0;
    b->init_ms = timing_now_ms() - t1;
    return 0;
}

/* Reads the n .npy files into arrays; 0, or 1 after printing what failed. */
static int load_inputs(const char *const *paths, int n, npy_array arrays[MAX_IO]) {
    memset(arrays, 0, MAX_IO * sizeof arrays[0]);
    for (int j = 0; j < n; j++) {
        char err[512];
        if (npy_load(paths[j], &arrays[j], err, sizeof err) != 0) {
            fprintf(stderr, "ember_bench: %s\n", err);
            return 1;
        }
    }
    return 0;
}

/* Runs m, setting its n inputs from arrays before each run (outside the timing): two
 * warm-up runs, then timed runs into times[] until at least 5 runs and `seconds` have
 * passed (or MAX_RUNS). The number of timed runs, or -1 after printing what failed. */
static int run_timed(ember_method *m, const npy_array *arrays, int n, double seconds) {
    int runs = 0;
    double start = 0;
    for (int r = 0; r < MAX_RUNS; r++) {
        for (int j = 0; j < n; j++) {
            const npy_array *a = &arrays[j];
            if (ember_method_set_input(m, j, a->dtype, a->shape, a->rank, a->data, a->nbytes) != EMBER_OK) {
                fprintf(stderr, "ember_bench: input %d: %s\n", j, ember_method_message(m));
                return -1;
            }
        }
        double a0 = timing_now_ms();
        if (ember_method_run(m) != EMBER_OK) {
            fprintf(stderr, "ember_bench: run: %s\n", ember_method_message(m));
            return -1;
        }
        double a1 = timing_now_ms();
        if (r == 2) start = a0;           /* runs 0 and 1 warm up */
        if (r >= 2) {
            times[runs++] = a1 - a0;
            if (runs >= 5 && a1 - start >= seconds * 1e3) break;
        }
    }
    return runs;
}

/* Writes each output of m to outdir/output_<k>.npy; 0, or 1 after printing what failed. */
static int write_outputs(const ember_method *m, const char *outdir) {
    for (int32_t j = 0; j < ember_method_output_count(m); j++) {
        ember_tensor_info out;
        char file[1024], err[512];
        if (ember_method_output(m, j, &out) != EMBER_OK) return 1;
        snprintf(file, sizeof file, "%s/output_%d.npy", outdir, (int)j);
        if (npy_save(file, out.dtype, out.shape, out.rank, out.data, out.nbytes, err, sizeof err) != 0) {
            fprintf(stderr, "ember_bench: %s\n", err);
            return 1;
        }
    }
    return 0;
}

/* Sorts the runs timed runs and prints the JSON line. */
static void print_report(const bench_model *b, int runs) {
    qsort(times, (size_t)runs, sizeof times[0], timing_cmp_double);
    printf("{\"load_ms\": %.4f, \"init_ms\": %.4f, \"runs\": %d, \"median_ms\": %.4f, \"p90_ms\": %.4f, "
           "\"method_bytes\": %zu, \"peak_rss_kb\": %ld}\n",
           b->load_ms, b->init_ms, runs, times[runs / 2], times[(runs * 9) / 10 < runs ? (runs * 9) / 10 : runs - 1],
           b->need, peak_rss_kb());
}

int main(int argc, char **argv) {
    bench_options o;
    int bad = parse_args(argc, argv, &o);
    if (bad) return bad;
    ember_pool *pool = NULL;
    if (o.threads < 1 || o.threads > EMBER_MAX_THREADS ||
        (o.threads > 1 && (pool = ember_pool_create(o.threads)) == NULL)) {
        fprintf(stderr, "ember_bench: -t %d: cannot run on that many threads\n", o.threads);
        return 2;
    }
    bench_model b = {0};
    npy_array arrays[MAX_IO];
    if (load_model(o.path, o.threads, pool, &b) != 0 || load_inputs(o.inputs, o.n_in, arrays) != 0) return 1;
    int runs = run_timed(b.m, arrays, o.n_in, o.seconds);
    if (runs < 0 || (o.outdir && write_outputs(b.m, o.outdir) != 0)) return 1;
    print_report(&b, runs);
    for (int j = 0; j < o.n_in; j++) npy_free(&arrays[j]);
    free(b.mem);
    ember_pool_free(pool);
    munmap(b.data, b.size);
    return 0;
}
