/* ember_run: load a .ember program, run it on .npy inputs, write .npy outputs.
 *
 *   ember_run model.ember -i x.npy [-i y.npy ...] [-o outdir] [-n runs] [--method NAME] [--bind] [--threads N]
 *   ember_run model.ember                      # runs on the bundled test case's inputs
 *   ember_run model.ember --profile [--profile-json FILE] [-n runs]   # time per operator
 *   ember_run --self-test a.ember [b.ember ...] # every method's bundled test cases, pass/fail
 *
 * This is the code an app developer copies: map the file, load it, ask how much
 * memory a method needs, hand it over, bind inputs, run, read outputs. --threads N
 * runs the kernels on N threads through the pthread pool of ember_pool.c. --profile
 * times every operator through ember_method_set_profile with a clock of this file
 * (timing.h, CLOCK_MONOTONIC in nanoseconds) and prints a table; --profile-json writes
 * the raw records.
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

/* A program's state (schema 2.4): one block for all its methods, set to the initial values
 * (state->data NULL when the program has none). The app owns it: malloc is fine here. */
static int open_state(const char *path, const ember_program *prog, selftest_state *state) {
    ember_status s;
    state->program = prog;
    state->data = NULL;
    state->bytes = ember_program_state_size(prog);
    if (state->bytes == 0) return 0;
    if (posix_memalign(&state->data, 64, state->bytes) != 0) {
        state->data = NULL;
        fprintf(stderr, "ember_run: cannot allocate %zu bytes of state\n", state->bytes);
        return -1;
    }
    if ((s = ember_program_state_init(prog, state->data, state->bytes)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s: state init failed (%s)\n", path, ember_status_str(s));
        return -1;
    }
    return 0;
}

/* Binds the program's state block to m (nothing to do without state). */
static int bind_state(ember_method *m, const selftest_state *state) {
    ember_status s;
    if (state->data == NULL) return 0;
    if ((s = ember_method_set_state(m, state->data, state->bytes)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s (%s)\n", ember_method_message(m), ember_status_str(s));
        return -1;
    }
    return 0;
}

/* Loads `path` and initialises `method` with the program's state bound; the caller frees
 * *mem and state->data and unmaps. */
static int open_method(const char *path, const char *method, mapped *file, ember_program_storage *prog_mem,
                       ember_program **prog, void **mem, ember_method **m, int verbose, int32_t threads,
                       selftest_state *state) {
    size_t need = 0;
    ember_status s;
    *mem = NULL;
    state->data = NULL;
    if (map_file(path, file) != 0) return -1;
    if ((s = ember_program_load(prog_mem, sizeof *prog_mem, file->data, file->size, prog)) != EMBER_OK) {
        fprintf(stderr, "ember_run: %s: %s (%s)\n", path, ember_program_message(*prog), ember_status_str(s));
        return -1;
    }
    if (open_state(path, *prog, state) != 0) return -1;
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
    if (bind_state(*m, state) != 0) return -1;
    if (verbose)
        printf("%s: %zu bytes mapped; method '%s' needs %zu bytes (handle, tables, arena and scratch for %d "
               "thread%s)%s\n", path, file->size, method, need, (int)threads, threads == 1 ? "" : "s",
               state->data ? "; the program's state is bound" : "");
    if (verbose && state->data) printf("state: %zu bytes, set to the initial values\n", state->bytes);
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
        selftest_state state = {NULL, NULL, 0};
        if (open_method(argv[i], "forward", &file, &prog_mem, &prog, &mem, &m, 0, 1, &state) != 0) {
            failed++;
            free(mem);
            free(state.data);
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
                    ember_method_init(prog, name, mem, need, &m) != EMBER_OK || bind_state(m, &state) != 0) {
                    fprintf(stderr, "FAIL %s method '%s': %s\n", argv[i], name, ember_method_message(m));
                    failed++;
                    continue;
                }
            }
            snprintf(label, sizeof label, "%s '%s'", argv[i], name);
            ember_status s = selftest_run(m, state.data ? &state : NULL, label, stdout, &r);
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
        free(state.data);
        munmap(file.data, file.size);
    }
    printf("self-test: %s\n", failed ? "FAILED" : "all passed");
    return failed ? 1 : 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ember_run PROGRAM [-i IN.npy]... [-o OUTDIR] [-n RUNS] [--method NAME] [--bind] [--threads N]\n"
            "                 [--profile] [--profile-json FILE]\n"
            "       ember_run --self-test PROGRAM...\n"
            "Without -i the program's bundled test case inputs are used. Outputs go to\n"
            "OUTDIR/output_<k>.npy, or a summary is printed. --profile times each operator\n"
            "over RUNS runs (default 10) after one warm-up run; --profile-json FILE (implies\n"
            "--profile) also writes the raw times (nanoseconds) as JSON.\n");
}

/* The command line. */
typedef struct run_options {
    const char *path, *outdir, *method, *inputs[MAX_IO], *profile_json;
    int n_inputs, runs, bind, threads, profile;
} run_options;

/* Fills *o from argv; 0, or 2 after printing what is wrong. */
static int parse_args(int argc, char **argv, run_options *o) {
    int runs_given = 0;
    memset(o, 0, sizeof *o);
    o->method = "forward";
    o->threads = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-i") == 0 && i + 1 < argc && o->n_inputs < MAX_IO) o->inputs[o->n_inputs++] = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) o->outdir = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) o->runs = atoi(argv[++i]), runs_given = 1;
        else if (strcmp(argv[i], "--method") == 0 && i + 1 < argc) o->method = argv[++i];
        else if (strcmp(argv[i], "--bind") == 0) o->bind = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) o->threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--profile") == 0) o->profile = 1;
        else if (strcmp(argv[i], "--profile-json") == 0 && i + 1 < argc) o->profile = 1, o->profile_json = argv[++i];
        else if (argv[i][0] != '-' && o->path == NULL) o->path = argv[i];
        else { usage(); return 2; }
    }
    if (!runs_given) o->runs = o->profile ? 10 : 1;
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

/* ---- --profile ------------------------------------------------------------------ */
static const char *const DTYPE_NAMES[] = {"float32", "int8", "int32", "int64", "bool", "uint8", "float16", "float64"};

static const char *dtype_name(ember_dtype d) {
    return (unsigned)d < sizeof DTYPE_NAMES / sizeof DTYPE_NAMES[0] ? DTYPE_NAMES[d] : "unknown";
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The median of v[0 .. n) (n >= 1; sorts v): the middle value, or the mean of the two. */
static double median_u64(uint64_t *v, size_t n) {
    qsort(v, n, sizeof v[0], cmp_u64);
    return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
}

/* "[2, 8, 16, 16]" into buf. */
static const char *shape_str(const ember_tensor_info *t, char *buf, size_t size) {
    size_t at = 0;
    buf[0] = 0;
    for (int d = 0; d < t->rank && at < size; d++) {
        int w = snprintf(buf + at, size - at, "%s%lld", d ? ", " : "[", (long long)t->shape[d]);
        if (w < 0) break;
        at += (size_t)w;
    }
    if (at < size) snprintf(buf + at, size - at, "%s", t->rank ? "]" : "[]");
    return buf;
}

/* An operator's source "/path/to/file.py:48: code" as "file.py:48: co..." in at most
 * width - 1 characters: the directories go first, then the code's tail; file:line stays
 * (its own tail when even that is too long). */
static const char *short_source(const char *src, char *buf, size_t width) {
    const char *colon = src, *base = src, *rest;
    while (*colon && !(colon[0] == ':' && colon[1] >= '0' && colon[1] <= '9')) colon++;
    if (*colon == 0) colon = src;   /* no file:line: shorten it as it is */
    for (const char *c = src; c < colon; c++)
        if (*c == '/' || *c == '\\') base = c + 1;
    rest = colon;
    if (colon != src) {
        rest = colon + 1;
        while (*rest >= '0' && *rest <= '9') rest++;
    }
    size_t head = (size_t)(rest - base), tail = strlen(rest);
    if (head + 1 >= width) {   /* file:line alone overflows: its tail, marked */
        size_t n = width > 4 ? width - 4 : 0;   /* < head */
        snprintf(buf, width, "...%.*s", (int)n, rest - n);
        return buf;
    }
    if (head + tail + 1 <= width) {
        snprintf(buf, width, "%.*s%s", (int)head, base, rest);
    } else {
        int keep = (int)(width - 1 - head) - 3;
        snprintf(buf, width, "%.*s%.*s...", (int)head, base, keep > 0 ? keep : 0, rest);
    }
    return buf;
}

/* Floating-point operations of one run of operator k (2 per multiply-add) for the GEMM
 * ops, from the shapes of the last run; 0 for every other op:
 *   CONV2D            2 * elements(output) * prod(weight.shape[1:])   (weight O, I/g, KH, KW)
 *   CONV_TRANSPOSE2D  2 * elements(input)  * prod(weight.shape[1:])   (weight I, O/g, KH, KW)
 *   FULLY_CONNECTED   2 * elements(output) * weight.shape[1]          (weight N, K)
 *   BATCH_MATMUL      2 * elements(output) * a.shape[-1]              (a ..., M, K) */
static double op_flops(const ember_method *m, int32_t k, const ember_operator_info *op) {
    ember_tensor_info x, w, y;
    int conv = strcmp(op->op, "CONV2D") == 0, tconv = strcmp(op->op, "CONV_TRANSPOSE2D") == 0;
    int fc = strcmp(op->op, "FULLY_CONNECTED") == 0, bmm = strcmp(op->op, "BATCH_MATMUL") == 0;
    if (!(conv || tconv || fc || bmm) || ember_method_operator_tensor(m, k, 0, 0, &x) != EMBER_OK ||
        ember_method_operator_tensor(m, k, 0, 1, &w) != EMBER_OK || ember_method_operator_tensor(m, k, 1, 0, &y) != EMBER_OK)
        return 0.0;
    double taps = 1.0, xs = 1.0, ys = 1.0;
    for (int d = 0; d < x.rank; d++) xs *= (double)x.shape[d];
    for (int d = 0; d < y.rank; d++) ys *= (double)y.shape[d];
    if (conv || tconv) {
        for (int d = 1; d < w.rank; d++) taps *= (double)w.shape[d];
        return 2.0 * (conv ? ys : xs) * taps;
    }
    if (fc) return w.rank == 2 ? 2.0 * ys * (double)w.shape[1] : 0.0;
    return x.rank >= 1 ? 2.0 * ys * (double)x.shape[x.rank - 1] : 0.0;
}

/* Bytes operator k reads and writes at the last run's shapes: its present inputs and
 * its outputs, each once. */
static double op_bytes(const ember_method *m, int32_t k, const ember_operator_info *op) {
    double bytes = 0.0;
    ember_tensor_info t;
    for (int32_t j = 0; j < op->n_inputs; j++)
        if (ember_method_operator_tensor(m, k, 0, j, &t) == EMBER_OK) bytes += (double)t.nbytes;
    for (int32_t j = 0; j < op->n_outputs; j++)
        if (ember_method_operator_tensor(m, k, 1, j, &t) == EMBER_OK) bytes += (double)t.nbytes;
    return bytes;
}

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(f, "\\%c", *c);
        else if (*c == '\n') fputs("\\n", f);
        else if (*c == '\t') fputs("\\t", f);
        else if (*c < 0x20 || *c == 0x7f) fprintf(f, "\\u%04x", (unsigned)*c);
        else fputc(*c, f);
    }
    fputc('"', f);
}

static void json_tensor(FILE *f, const ember_method *m, int32_t k, int output, int32_t j) {
    ember_tensor_info t;
    if (ember_method_operator_tensor(m, k, output, j, &t) != EMBER_OK) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"dtype\": \"%s\", \"shape\": [", dtype_name(t.dtype));
    for (int d = 0; d < t.rank; d++) fprintf(f, d ? ", %lld" : "%lld", (long long)t.shape[d]);
    fputs("]}", f);
}

/* The raw data for tools: every operator with its operands' dtypes and shapes, every
 * run's start, end and per-operator records, in nanoseconds of CLOCK_MONOTONIC. */
static int write_profile_json(const char *path, const run_options *o, const ember_method *m,
                              const ember_op_record *records, const uint64_t *bounds, int runs, int32_t n_ops) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "ember_run: cannot write %s\n", path);
        return -1;
    }
    fputs("{\"program\": ", f);
    json_string(f, o->path);
    fputs(", \"method\": ", f);
    json_string(f, o->method);
    fprintf(f, ", \"threads\": %d, \"clock\": \"ns\",\n \"operators\": [", o->threads);
    for (int32_t k = 0; k < n_ops; k++) {
        ember_operator_info op;
        if (ember_method_operator_info(m, k, &op) != EMBER_OK) break;
        fprintf(f, "%s\n  {\"index\": %d, \"op\": ", k ? "," : "", (int)k);
        json_string(f, op.op);
        fputs(", \"source\": ", f);
        json_string(f, op.source);
        fputs(", \"inputs\": [", f);
        for (int32_t j = 0; j < op.n_inputs; j++) {
            if (j) fputs(", ", f);
            json_tensor(f, m, k, 0, j);
        }
        fputs("], \"outputs\": [", f);
        for (int32_t j = 0; j < op.n_outputs; j++) {
            if (j) fputs(", ", f);
            json_tensor(f, m, k, 1, j);
        }
        fputs("]}", f);
    }
    fputs("],\n \"runs\": [", f);
    for (int r = 0; r < runs; r++) {
        fprintf(f, "%s\n  {\"start\": %llu, \"end\": %llu, \"ops\": [", r ? "," : "",
                (unsigned long long)bounds[2 * r], (unsigned long long)bounds[2 * r + 1]);
        for (int32_t k = 0; k < n_ops; k++) {
            const ember_op_record *rec = &records[(size_t)r * (size_t)n_ops + (size_t)k];
            fprintf(f, "%s[%d, %llu, %llu]", k ? ", " : "", (int)rec->op, (unsigned long long)rec->start,
                    (unsigned long long)rec->end);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "ember_run: cannot write %s\n", path);
        return -1;
    }
    printf("wrote %s\n", path);
    return 0;
}

/* The table: per operator its median time over the runs, its share of the sum of the
 * medians and its rate (GFLOP/s for the GEMM ops, see op_flops; GB/s of operands read
 * and written for the others); then the sum against the median measured run. */
static void print_profile(const ember_method *m, const ember_op_record *records, const uint64_t *bounds, int runs,
                          int32_t n_ops, int threads, uint64_t *scratch, double *medians) {
    double total = 0.0;
    for (int32_t k = 0; k < n_ops; k++) {
        for (int r = 0; r < runs; r++) {
            const ember_op_record *rec = &records[(size_t)r * (size_t)n_ops + (size_t)k];
            scratch[r] = rec->end >= rec->start ? rec->end - rec->start : 0;
        }
        medians[k] = median_u64(scratch, (size_t)runs);
        total += medians[k];
    }
    for (int r = 0; r < runs; r++) scratch[r] = bounds[2 * r + 1] - bounds[2 * r];
    double run = median_u64(scratch, (size_t)runs);
    printf("profile: %d run%s after 1 warm-up, %d thread%s; median microseconds per operator\n", runs,
           runs == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
    printf("%5s  %-18s %-40s %-22s %-8s %10s %7s %14s\n", "#", "op", "source", "output", "dtype", "median us", "share",
           "rate");
    for (int32_t k = 0; k < n_ops; k++) {
        ember_operator_info op;
        ember_tensor_info out;
        char src[41], shape[64], rate[32];
        if (ember_method_operator_info(m, k, &op) != EMBER_OK) continue;
        int have_out = op.n_outputs > 0 && ember_method_operator_tensor(m, k, 1, 0, &out) == EMBER_OK;
        double flops = op_flops(m, k, &op), ns = medians[k];
        if (ns <= 0.0) snprintf(rate, sizeof rate, "-");
        else if (flops > 0.0) snprintf(rate, sizeof rate, "%.2f GFLOP/s", flops / ns);
        else snprintf(rate, sizeof rate, "%.2f GB/s", op_bytes(m, k, &op) / ns);
        printf("%5d  %-18s %-40s %-22s %-8s %10.2f %6.1f%% %14s\n", (int)k, op.op, short_source(op.source, src, sizeof src),
               have_out ? shape_str(&out, shape, sizeof shape) : "-", have_out ? dtype_name(out.dtype) : "-",
               ns / 1e3, total > 0.0 ? 100.0 * ns / total : 0.0, rate);
    }
    printf("total: operators %.2f us (sum of medians), run %.2f us (median of run_end - run_start), "
           "operators/run %.1f%%\n", total / 1e3, run / 1e3, run > 0.0 ? 100.0 * total / run : 0.0);
}

/* --profile: one warm-up run, then o->runs runs, each recording every operator's start
 * and end (ember_method_set_profile, the clock of timing.h); copied inputs are set again
 * before each run (outside the records). */
static int run_profiled(ember_method *m, const run_options *o, const ember_tensor_info *feed, int n_feed) {
    int32_t n_ops = ember_method_operator_count(m);
    int runs = o->runs, rc = -1;
    size_t n_records = (size_t)runs * (size_t)(n_ops > 0 ? n_ops : 1);
    ember_op_record *records = NULL;
    uint64_t *bounds = NULL, *scratch = NULL;
    double *medians = NULL;
    ember_status s;
    if (n_records / (size_t)runs != (size_t)(n_ops > 0 ? n_ops : 1) ||
        (records = (ember_op_record *)calloc(n_records, sizeof *records)) == NULL ||
        (bounds = (uint64_t *)calloc(2 * (size_t)runs, sizeof *bounds)) == NULL ||
        (scratch = (uint64_t *)calloc((size_t)runs, sizeof *scratch)) == NULL ||
        (medians = (double *)calloc((size_t)(n_ops > 0 ? n_ops : 1), sizeof *medians)) == NULL) {
        fprintf(stderr, "ember_run: cannot allocate the profile of %d runs of %d operators\n", runs, (int)n_ops);
        goto done;
    }
    for (int r = -1; r < runs; r++) {   /* r = -1: the warm-up, not profiled */
        ember_profile prof = {NULL, 0, 0, 0, 0, 0, timing_clock_ns, NULL};
        for (int j = 0; r >= 0 && j < n_feed; j++)   /* a copied input serves one run */
            if ((s = ember_method_set_input(m, j, feed[j].dtype, feed[j].shape, feed[j].rank, feed[j].data,
                                            feed[j].nbytes)) != EMBER_OK) {
                fprintf(stderr, "ember_run: input %d: %s\n", j, ember_method_message(m));
                goto done;
            }
        if (r >= 0) {
            prof.records = records + (size_t)r * (size_t)n_ops;
            prof.capacity = n_ops;
        }
        if ((s = ember_method_set_profile(m, r >= 0 ? &prof : NULL)) != EMBER_OK ||
            (s = ember_method_run(m)) != EMBER_OK) {
            fprintf(stderr, "ember_run: run failed: %s (%s)\n", ember_method_message(m), ember_status_str(s));
            goto done;
        }
        if ((s = ember_method_set_profile(m, NULL)) != EMBER_OK) goto done;
        if (r >= 0) {
            if (prof.count != n_ops || prof.dropped != 0) {
                fprintf(stderr, "ember_run: run %d recorded %d of %d operators\n", r, (int)prof.count, (int)n_ops);
                goto done;
            }
            bounds[2 * r] = prof.run_start;
            bounds[2 * r + 1] = prof.run_end;
        }
    }
    print_profile(m, records, bounds, runs, n_ops, o->threads, scratch, medians);
    rc = o->profile_json != NULL ? write_profile_json(o->profile_json, o, m, records, bounds, runs, n_ops) : 0;
done:
    free(records);
    free(bounds);
    free(scratch);
    free(medians);
    return rc;
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
    selftest_state state = {NULL, NULL, 0};   /* the program's state block, when it has state */
    ember_pool *pool = NULL;
    npy_array arrays[MAX_IO];
    ember_tensor_info feed[MAX_IO];   /* copied inputs, set again before every run */
    int n_feed = 0, rc = 1;
    memset(arrays, 0, sizeof arrays);
    if (open_method(o.path, o.method, &file, &prog_mem, &prog, &mem, &m, 1, o.threads, &state) == 0 &&
        (o.threads == 1 || start_threads(m, o.threads, &pool) == 0) &&
        (o.n_inputs == 0 ? feed_bundled(m, feed, &n_feed) : feed_files(m, &o, arrays, feed, &n_feed)) == 0 &&
        (o.profile ? run_profiled(m, &o, feed, n_feed) : run_timed(m, o.runs, feed, n_feed)) == 0 &&
        write_outputs(m, o.outdir) == 0)
        rc = 0;
    for (int j = 0; j < o.n_inputs; j++) npy_free(&arrays[j]);
    ember_method_free(m);
    ember_pool_free(pool);
    free(mem);
    free(state.data);
    if (file.data) munmap(file.data, file.size);
    return rc;
}
