/* ember_run: load a .ember program, run it on .npy inputs, write .npy outputs.
 *
 *   ember_run model.ember -i x.npy [-i y.npy ...] [-o outdir] [-n runs] [--method NAME] [--bind] [--threads N]
 *   ember_run model.ember                      # runs on the bundled test case's inputs
 *   ember_run --self-test a.ember [b.ember ...] # every method's bundled test cases, pass/fail
 *
 * This is the code an app developer copies: map the file, load it, ask how much
 * memory a method needs, hand it over, bind inputs, run, read outputs. --threads N
 * runs the kernels on N threads through the pthread pool of ember_pool.c.
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
#include "selftest.h"
#include "timing.h"

#define MAX_IO 64

typedef struct mapped { void *data; size_t size; } mapped;

static int map_file(const char *path, mapped *m) {
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "ember_run: cannot open %s\n", path);
        if (fd >= 0) close(fd);
        return -1;
    }
    m->size = (size_t)st.st_size;
    m->data = m->size ? mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (m->size == 0 || m->data == MAP_FAILED) {
        fprintf(stderr, "ember_run: %s: %s\n", path, m->size ? "cannot map" : "empty file");
        return -1;
    }
    return 0;
}

/* Loads `path` and initialises `method`; the caller frees *mem and unmaps. */
static int open_method(const char *path, const char *method, mapped *file, ember_program_storage *prog_mem,
                       ember_program **prog, void **mem, ember_method **m, int verbose, int32_t threads) {
    size_t need = 0;
    ember_status s;
    *mem = NULL;
    if (map_file(path, file) != 0) return -1;
    if ((s = ember_program_load(prog_mem, sizeof *prog_mem, file->data, file->size, prog)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s: %s (%s)\n", path, ember_program_message(*prog), ember_status_str(s));
        return -1;
    }
    if ((s = ember_method_memory_size_threads(*prog, method, threads, &need)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s: no method '%s' (%s)\n", path, method, ember_status_str(s));
        return -1;
    }
    if (posix_memalign(mem, 64, need) != 0) {
        fprintf(stderr, "ember_run: cannot allocate %zu bytes\n", need);
        return -1;
    }
    if ((s = ember_method_init(*prog, method, *mem, need, m)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s: %s (%s)\n", path, ember_method_message(*m), ember_status_str(s));
        return -1;
    }
    if (verbose)
        printf("%s: %zu bytes mapped; method '%s' needs %zu bytes (handle, tables, arena and scratch for %d "
               "thread%s)\n", path, file->size, method, need, (int)threads, threads == 1 ? "" : "s");
    return 0;
}

static int self_test(int argc, char **argv) {
    int failed = 0;
    for (int i = 0; i < argc; i++) {
        mapped file = {NULL, 0};
        static ember_program_storage prog_mem;
        ember_program *prog = NULL;
        ember_method *m = NULL;
        void *mem = NULL;
        if (open_method(argv[i], "forward", &file, &prog_mem, &prog, &mem, &m, 0, 1) != 0) {
            failed++;
            free(mem);
            if (file.data) munmap(file.data, file.size);
            continue;
        }
        for (int32_t k = 0; k < ember_program_method_count(prog); k++) {
            const char *name = ember_program_method_name(prog, k);
            selftest_result r;
            char label[512];
            if (strcmp(name, "forward") != 0) {   /* other methods: their own memory */
                size_t need;
                ember_method_free(m);
                free(mem);
                mem = NULL;
                if (ember_method_memory_size(prog, name, &need) != EMBER_OK || posix_memalign(&mem, 64, need) != 0 ||
                    ember_method_init(prog, name, mem, need, &m) != EMBER_OK) {
                    fprintf(stderr, "FAIL %s method '%s': %s\n", argv[i], name, ember_method_message(m));
                    failed++;
                    continue;
                }
            }
            snprintf(label, sizeof label, "%s '%s'", argv[i], name);
            ember_status s = selftest_run(m, label, stdout, &r);
            if (s != EMBER_OK) {
                printf("FAIL %s: %s (%s)\n", label, ember_method_message(m), ember_status_str(s));
                failed++;
            } else if (r.cases == 0) {
                printf("SKIP %s: no bundled test cases\n", label);
            } else {
                failed += r.failed;
            }
        }
        ember_method_free(m);
        free(mem);
        munmap(file.data, file.size);
    }
    printf("self-test: %s\n", failed ? "FAILED" : "all passed");
    return failed ? 1 : 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ember_run PROGRAM [-i IN.npy]... [-o OUTDIR] [-n RUNS] [--method NAME] [--bind] [--threads N]\n"
            "       ember_run --self-test PROGRAM...\n"
            "Without -i the program's bundled test case inputs are used. Outputs go to\n"
            "OUTDIR/output_<k>.npy, or a summary is printed.\n");
}

/* The command line. */
typedef struct run_options {
    const char *path, *outdir, *method, *inputs[MAX_IO];
    int n_inputs, runs, bind, threads;
} run_options;

/* Fills *o from argv; 0, or 2 after printing what is wrong. */
static int parse_args(int argc, char **argv, run_options *o) {
    memset(o, 0, sizeof *o);
    o->method = "forward";
    o->runs = o->threads = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-i") == 0 && i + 1 < argc && o->n_inputs < MAX_IO) o->inputs[o->n_inputs++] = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) o->outdir = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) o->runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--method") == 0 && i + 1 < argc) o->method = argv[++i];
        else if (strcmp(argv[i], "--bind") == 0) o->bind = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) o->threads = atoi(argv[++i]);
        else if (argv[i][0] != '-' && o->path == NULL) o->path = argv[i];
        else { usage(); return 2; }
    }
    if (o->path == NULL || o->runs < 1) { usage(); return 2; }
    if (o->threads < 1 || o->threads > EMBER_MAX_THREADS) {
        fprintf(stderr, "ember_run: --threads %d: must be 1 .. %d\n", o->threads, EMBER_MAX_THREADS);
        return 2;
    }
    return 0;
}

/* Sets m's inputs from the bundled test case 0; feed[j] keeps them for later runs. */
static int feed_bundled(ember_method *m, ember_tensor_info feed[MAX_IO], int *n_feed) {
    ember_status s;
    if (ember_method_test_case_count(m) == 0) {
        fprintf(stderr, "ember_run: no -i given and the program has no bundled test case\n");
        return -1;
    }
    for (int32_t j = 0; j < ember_method_input_count(m) && j < MAX_IO; j++) {
        ember_tensor_info in;
        if ((s = ember_method_test_case_tensor(m, 0, 0, j, &in, NULL, NULL)) != EMBER_OK ||
            (s = ember_method_set_input(m, j, in.dtype, in.shape, in.rank, in.data, in.nbytes)) != EMBER_OK) {
            fprintf(stderr, "ember_run: bundled input %d: %s\n", (int)j, ember_method_message(m));
            return -1;
        }
        feed[j] = in;
    }
    *n_feed = ember_method_input_count(m);
    printf("inputs: the bundled test case\n");
    return 0;
}

/* Loads o's .npy inputs into arrays and sets (or with --bind, binds) them; feed[j] keeps
 * copied ones for later runs. */
static int feed_files(ember_method *m, const run_options *o, npy_array arrays[MAX_IO], ember_tensor_info feed[MAX_IO],
                      int *n_feed) {
    if (o->n_inputs != ember_method_input_count(m)) {
        fprintf(stderr, "ember_run: method '%s' takes %d inputs, %d given\n", o->method,
                (int)ember_method_input_count(m), o->n_inputs);
        return -1;
    }
    for (int j = 0; j < o->n_inputs; j++) {
        char err[512];
        npy_array *a = &arrays[j];
        if (npy_load(o->inputs[j], a, err, sizeof err) != 0) {
            fprintf(stderr, "ember_run: %s\n", err);
            return -1;
        }
        ember_status s = o->bind ? ember_method_bind_input(m, j, a->dtype, a->shape, a->rank, a->data, a->nbytes)
                                 : ember_method_set_input(m, j, a->dtype, a->shape, a->rank, a->data, a->nbytes);
        if (s != EMBER_OK) {
            fprintf(stderr, "ember_run: %s: %s\n", o->inputs[j], ember_method_message(m));
            return -1;
        }
        if (!o->bind) {
            feed[j].dtype = a->dtype;
            feed[j].rank = a->rank;
            memcpy(feed[j].shape, a->shape, sizeof a->shape);
            feed[j].data = a->data;
            feed[j].nbytes = a->nbytes;
            *n_feed = j + 1;
        }
    }
    return 0;
}

/* Runs m `runs` times, setting the copied inputs again before each run after the first
 * (outside the timing), and prints the time (the median of the first 1000 runs). */
static int run_timed(ember_method *m, int runs, const ember_tensor_info *feed, int n_feed) {
    double times[1000];
    int timed = runs < 1000 ? runs : 1000;
    ember_status s;
    for (int r = 0; r < runs; r++) {
        for (int j = 0; r > 0 && j < n_feed; j++)   /* a copied input serves one run */
            if ((s = ember_method_set_input(m, j, feed[j].dtype, feed[j].shape, feed[j].rank, feed[j].data,
                                            feed[j].nbytes)) != EMBER_OK) {
                fprintf(stderr, "ember_run: input %d: %s\n", j, ember_method_message(m));
                return -1;
            }
        double t0 = timing_now_ms();
        if ((s = ember_method_run(m)) != EMBER_OK) {
            fprintf(stderr, "ember_run: run failed: %s (%s)\n", ember_method_message(m), ember_status_str(s));
            return -1;
        }
        if (r < timed) times[r] = timing_now_ms() - t0;
    }
    if (runs == 1) {
        printf("run: %.3f ms\n", times[0]);
    } else {
        qsort(times, (size_t)timed, sizeof times[0], timing_cmp_double);
        printf("runs: %d, median %.3f ms, min %.3f ms, max %.3f ms\n", runs, times[timed / 2], times[0],
               times[timed - 1]);
    }
    return 0;
}

/* Writes each output to outdir/output_<k>.npy, or without outdir prints its dtype, shape
 * and first values. */
static int write_outputs(const ember_method *m, const char *outdir) {
    for (int32_t j = 0; j < ember_method_output_count(m); j++) {
        ember_tensor_info out;
        if (ember_method_output(m, j, &out) != EMBER_OK) return -1;
        if (outdir != NULL) {
            char file_name[1024], err[512];
            snprintf(file_name, sizeof file_name, "%s/output_%d.npy", outdir, (int)j);
            if (npy_save(file_name, out.dtype, out.shape, out.rank, out.data, out.nbytes, err, sizeof err) != 0) {
                fprintf(stderr, "ember_run: %s\n", err);
                return -1;
            }
            printf("wrote %s\n", file_name);
            continue;
        }
        printf("output %d '%s': dtype %d shape [", (int)j, out.name, (int)out.dtype);
        for (int d = 0; d < out.rank; d++) printf(d ? ", %lld" : "%lld", (long long)out.shape[d]);
        printf("]");
        if (out.dtype == EMBER_DTYPE_FLOAT32) {
            const float *v = (const float *)out.data;
            size_t n = out.nbytes / 4;
            printf(" first values:");
            for (size_t i = 0; i < n && i < 6; i++) printf(" %.6g", (double)v[i]);
        }
        printf("\n");
    }
    return 0;
}

/* Starts a pool of `threads` and hands it to m. */
static int start_threads(ember_method *m, int threads, ember_pool **pool) {
    ember_status s;
    if ((*pool = ember_pool_create(threads)) == NULL) {
        fprintf(stderr, "ember_run: cannot start %d threads\n", threads);
        return -1;
    }
    if ((s = ember_method_set_threads(m, threads, ember_pool_parallel_for, *pool)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s (%s)\n", ember_method_message(m), ember_status_str(s));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    run_options o;
    if (argc >= 2 && strcmp(argv[1], "--self-test") == 0) return self_test(argc - 2, argv + 2);
    int bad = parse_args(argc, argv, &o);
    if (bad) return bad;

    mapped file = {NULL, 0};
    static ember_program_storage prog_mem;
    ember_program *prog = NULL;
    ember_method *m = NULL;
    void *mem = NULL;
    ember_pool *pool = NULL;
    npy_array arrays[MAX_IO];
    ember_tensor_info feed[MAX_IO];   /* copied inputs, set again before every run */
    int n_feed = 0, rc = 1;
    memset(arrays, 0, sizeof arrays);
    if (open_method(o.path, o.method, &file, &prog_mem, &prog, &mem, &m, 1, o.threads) == 0 &&
        (o.threads == 1 || start_threads(m, o.threads, &pool) == 0) &&
        (o.n_inputs == 0 ? feed_bundled(m, feed, &n_feed) : feed_files(m, &o, arrays, feed, &n_feed)) == 0 &&
        run_timed(m, o.runs, feed, n_feed) == 0 && write_outputs(m, o.outdir) == 0)
        rc = 0;
    for (int j = 0; j < o.n_inputs; j++) npy_free(&arrays[j]);
    ember_method_free(m);
    ember_pool_free(pool);
    free(mem);
    if (file.data) munmap(file.data, file.size);
    return rc;
}
