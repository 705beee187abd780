/* Native test binary (no Python): for each program file given,
 *   1. load + init + run every bundled test case and compare with the expected
 *      outputs (the eager PyTorch outputs stored at export);
 *   2. count allocator calls made during load, init and run: must be zero
 *      (the link wraps malloc/calloc/realloc/free, see the Makefile);
 *   3. run every program in two threads at once (two methods of the same loaded
 *      program, and all programs side by side) and require outputs identical to
 *      a run alone;
 *   4. run every program with its kernels split over 2 and 3 threads
 *      (ember_method_set_threads with the pool of examples/ember_pool.c) and require
 *      outputs identical, bit for bit, to the one-thread run;
 *   5. profile every program (ember_method_set_profile) on a clock that counts its
 *      calls: one record per operator in order, exactly two clock reads per operator
 *      inside the run's two, no allocator call, a short buffer's drops counted, an
 *      unset profile left untouched, bad arguments refused; and the operator
 *      introspection (ember_method_operator_info / _tensor) bounds-checked;
 *   6. programs with state (schema 2.4): a run with no state bound is refused with a
 *      message, then the state block (allocated before counting) is initialised and bound
 *      with no allocator call; every run of a test case starts from the initial state
 *      (ember_program_state_init again), and each thread's method has its own block.
 *
 *   native_test a.ember b.ember ...     exit 0 when everything passes
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember.h"
#include "ember_pool.h"
#include "selftest.h"

/* ---- allocator interposition (-Wl,--wrap=malloc,...) ----------------------- */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

static volatile int counting;      /* only the main thread sets it, around load/init/run */
static volatile long alloc_calls;

void *__wrap_malloc(size_t size) { if (counting) alloc_calls++; return __real_malloc(size); }
void *__wrap_calloc(size_t n, size_t size) { if (counting) alloc_calls++; return __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t size) { if (counting) alloc_calls++; return __real_realloc(p, size); }
void __wrap_free(void *p) { if (counting && p) alloc_calls++; __real_free(p); }

#define MAX_PROGRAMS 64
#define THREAD_RUNS 5

typedef struct loaded {
    const char *path;
    void *file;
    size_t size;
    ember_program_storage prog_mem;
    ember_program *prog;
    size_t need;
    selftest_state state;   /* the program's state block (data NULL: no state) */
    void *reference;        /* outputs of the first test case, run alone, concatenated */
    size_t reference_bytes;
} loaded;

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    void *data = NULL;
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n > 0 && posix_memalign(&data, 64, (size_t)n) == 0 && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* A state block for p's program, initialised (data NULL when it has no state); the caller
 * frees data. 0 when out of memory or the init fails. */
static int new_state(const loaded *p, selftest_state *st) {
    st->program = p->prog;
    st->data = NULL;
    st->bytes = ember_program_state_size(p->prog);
    if (st->bytes == 0) return 1;
    if (posix_memalign(&st->data, 64, st->bytes) != 0) {
        st->data = NULL;
        return 0;
    }
    return ember_program_state_init(p->prog, st->data, st->bytes) == EMBER_OK;
}

/* Binds st (when there is state) to m. */
static ember_status bind_state(ember_method *m, const selftest_state *st) {
    return st->data != NULL ? ember_method_set_state(m, st->data, st->bytes) : EMBER_OK;
}

/* Runs test case 0 on `m` from the initial state (st: its block, reset first; NULL or no
 * data: no state) and copies all outputs into buf (NULL: only the size). */
static ember_status run_case0(ember_method *m, const selftest_state *st, void *buf, size_t *bytes) {
    ember_tensor_info t;
    ember_status s;
    size_t used = 0;
    if (st != NULL && st->data != NULL && (s = ember_program_state_init(st->program, st->data, st->bytes)) != EMBER_OK)
        return s;
    for (int32_t j = 0; j < ember_method_input_count(m); j++) {
        if ((s = ember_method_test_case_tensor(m, 0, 0, j, &t, NULL, NULL)) != EMBER_OK) return s;
        if ((s = ember_method_set_input(m, j, t.dtype, t.shape, t.rank, t.data, t.nbytes)) != EMBER_OK) return s;
    }
    if ((s = ember_method_run(m)) != EMBER_OK) return s;
    for (int32_t j = 0; j < ember_method_output_count(m); j++) {
        if ((s = ember_method_output(m, j, &t)) != EMBER_OK) return s;
        if (buf) memcpy((char *)buf + used, t.data, t.nbytes);
        used += t.nbytes;
    }
    *bytes = used;
    return EMBER_OK;
}

typedef struct job { loaded *p; int ok; char message[EMBER_MESSAGE_BYTES + 64]; } job;

static void *thread_main(void *arg) {
    job *j = (job *)arg;
    void *mem = NULL, *out = NULL;
    ember_method *m = NULL;
    size_t bytes = 0;
    selftest_state st = {NULL, NULL, 0};   /* this thread's own state: runs must not share one */
    j->ok = 0;
    if (posix_memalign(&mem, 64, j->p->need) != 0 || posix_memalign(&out, 64, j->p->reference_bytes + 1) != 0 ||
        !new_state(j->p, &st)) {
        snprintf(j->message, sizeof j->message, "out of memory");
        goto done;
    }
    if (ember_method_init(j->p->prog, "forward", mem, j->p->need, &m) != EMBER_OK || bind_state(m, &st) != EMBER_OK) {
        snprintf(j->message, sizeof j->message, "init: %s", ember_method_message(m));
        goto done;
    }
    for (int r = 0; r < THREAD_RUNS; r++) {
        if (run_case0(m, &st, out, &bytes) != EMBER_OK) {
            snprintf(j->message, sizeof j->message, "run: %s", ember_method_message(m));
            goto done;
        }
        if (bytes != j->p->reference_bytes || memcmp(out, j->p->reference, bytes) != 0) {
            snprintf(j->message, sizeof j->message, "outputs differ from a run alone (run %d)", r);
            goto done;
        }
    }
    j->ok = 1;
done:
    free(mem);
    free(out);
    free(st.data);
    return NULL;
}

/* ---- profiling ------------------------------------------------------------------ */
/* A clock that counts its calls: tick n is the n-th read (ctx: the counter). */
static uint64_t counting_clock(void *ctx) { return (*(uint64_t *)ctx)++; }

#define CHECK(cond, ...) do { if (!(cond)) { snprintf(message, size, __VA_ARGS__); return 0; } } while (0)

/* The records of a run of n operators on counting_clock from tick t0: run_start t0, operator
 * k from t0 + 1 + 2k to t0 + 2 + 2k, run_end t0 + 1 + 2n (fewer records when capacity is
 * short; the rest counted in dropped). */
static int check_records(const ember_method *m, const ember_profile *prof, int32_t n, uint64_t t0, char *message,
                         size_t size) {
    int32_t fit = n < prof->capacity ? n : prof->capacity;
    CHECK(prof->count == fit && prof->dropped == n - fit, "count %d dropped %d for %d operators, capacity %d",
          (int)prof->count, (int)prof->dropped, (int)n, (int)prof->capacity);
    CHECK(prof->run_start == t0 && prof->run_end == t0 + 1 + 2 * (uint64_t)n,
          "run ticks %llu .. %llu, expected %llu .. %llu (two clock reads per operator)",
          (unsigned long long)prof->run_start, (unsigned long long)prof->run_end, (unsigned long long)t0,
          (unsigned long long)(t0 + 1 + 2 * (uint64_t)n));
    for (int32_t k = 0; k < fit; k++) {
        const ember_op_record *r = &prof->records[k];
        ember_operator_info op;
        CHECK(ember_method_operator_info(m, k, &op) == EMBER_OK, "operator_info %d", (int)k);
        CHECK(r->op == k && r->opcode == op.opcode, "record %d: op %d opcode %d, expected op %d opcode %d (%s)",
              (int)k, (int)r->op, (int)r->opcode, (int)k, (int)op.opcode, op.op);
        CHECK(r->start <= r->end && r->start > prof->run_start && r->end < prof->run_end &&
              (k == 0 || r->start >= prof->records[k - 1].end) && r->start == t0 + 1 + 2 * (uint64_t)k &&
              r->end == r->start + 1, "record %d: ticks %llu .. %llu inside the run's %llu .. %llu", (int)k,
              (unsigned long long)r->start, (unsigned long long)r->end, (unsigned long long)prof->run_start,
              (unsigned long long)prof->run_end);
    }
    return 1;
}

/* Operator introspection: every operator has a name and its operands their sizes; the
 * bounds are checked. *absent counts absent optional inputs. */
static int check_operators(const ember_method *m, int32_t *absent, char *message, size_t size) {
    int32_t n = ember_method_operator_count(m);
    ember_operator_info op;
    ember_tensor_info t;
    *absent = 0;
    CHECK(n > 0 && ember_method_operator_count(NULL) == 0, "operator count %d", (int)n);
    CHECK(ember_method_operator_info(m, -1, &op) == EMBER_ERR_ARGUMENT &&
          ember_method_operator_info(m, n, &op) == EMBER_ERR_ARGUMENT &&
          ember_method_operator_info(m, 0, NULL) == EMBER_ERR_ARGUMENT &&
          ember_method_operator_info(NULL, 0, &op) == EMBER_ERR_ARGUMENT, "operator_info out of range accepted");
    for (int32_t k = 0; k < n; k++) {
        CHECK(ember_method_operator_info(m, k, &op) == EMBER_OK && op.op != NULL && op.source != NULL &&
              op.op[0] != 0 && strcmp(op.op, "UNKNOWN") != 0 && op.n_outputs >= 1 && op.n_inputs >= 0,
              "operator %d: info", (int)k);
        CHECK(ember_method_operator_tensor(m, k, 0, -1, &t) == EMBER_ERR_ARGUMENT &&
              ember_method_operator_tensor(m, k, 0, op.n_inputs, &t) == EMBER_ERR_ARGUMENT &&
              ember_method_operator_tensor(m, k, 1, op.n_outputs, &t) == EMBER_ERR_ARGUMENT &&
              ember_method_operator_tensor(m, k, 1, 0, NULL) == EMBER_ERR_ARGUMENT,
              "operator %d: operand out of range accepted", (int)k);
        for (int out = 0; out < 2; out++)
            for (int32_t j = 0; j < (out ? op.n_outputs : op.n_inputs); j++) {
                ember_status s = ember_method_operator_tensor(m, k, out, j, &t);
                if (s == EMBER_ERR_INPUT && !out && t.name != NULL && t.name[0] == 0 && t.rank == 0) {
                    (*absent)++;
                    continue;
                }
                size_t count = 1;
                for (int d = 0; s == EMBER_OK && d < t.rank; d++) count *= (size_t)t.shape[d];
                CHECK(s == EMBER_OK && t.name != NULL && t.data == NULL && t.rank >= 0 && t.rank <= EMBER_MAX_RANK &&
                      t.nbytes == count * ember_dtype_size(t.dtype), "operator %d %s %d: %s", (int)k,
                      out ? "output" : "input", (int)j, ember_status_str(s));
            }
    }
    return 1;
}

/* The profile hook on m (its inputs set from test case 0 by run_case0). The library makes
 * no allocator call in set_profile and the profiled runs. */
static int profile_check(ember_method *m, const selftest_state *st, char *message, size_t size) {
    int32_t n = ember_method_operator_count(m), absent = 0;
    uint64_t ticks = 0, before;
    size_t bytes;
    ember_op_record *records = (ember_op_record *)malloc(((size_t)n + 1) * sizeof *records);
    ember_op_record *copy = (ember_op_record *)malloc(((size_t)n + 1) * sizeof *records);
    ember_profile prof = {records, n, -7, -7, 1, 1, counting_clock, &ticks};
    int ok = 0;
    long calls;
    snprintf(message, size, "set_profile: %s", ember_method_message(m));   /* until a check says more */
    if (records == NULL || copy == NULL) {
        snprintf(message, size, "out of memory");
        goto done;
    }
    if (!check_operators(m, &absent, message, size)) goto done;
    /* bad arguments: refused, the method's profile unchanged (off) */
    {
        ember_profile no_clock = prof, negative = prof, no_records = prof;
        no_clock.clock = NULL;
        negative.capacity = -1;
        no_records.records = NULL;
        no_records.capacity = 3;
        if (ember_method_set_profile(m, &no_clock) != EMBER_ERR_ARGUMENT ||
            ember_method_set_profile(m, &negative) != EMBER_ERR_ARGUMENT ||
            ember_method_set_profile(m, &no_records) != EMBER_ERR_ARGUMENT ||
            ember_method_set_profile(NULL, &prof) != EMBER_ERR_ARGUMENT || no_clock.count != -7 ||
            negative.count != -7 || no_records.count != -7) {
            snprintf(message, size, "a bad profile was accepted or written");
            goto done;
        }
        if (run_case0(m, st, NULL, &bytes) != EMBER_OK || ticks != 0) {
            snprintf(message, size, "a refused profile was used (%llu clock reads)", (unsigned long long)ticks);
            goto done;
        }
        /* a profile spoilt after it was set: the run refuses it */
        ember_profile later = prof;
        if (ember_method_set_profile(m, &later) != EMBER_OK) goto done;
        later.clock = NULL;
        if (run_case0(m, st, NULL, &bytes) != EMBER_ERR_ARGUMENT || ember_method_set_profile(m, NULL) != EMBER_OK) {
            snprintf(message, size, "a profile without a clock was run");
            goto done;
        }
    }
    /* every operator recorded, two runs (the second overwrites the first), no heap */
    alloc_calls = 0;
    counting = 1;
    ember_status s = ember_method_set_profile(m, &prof);
    if (s == EMBER_OK) s = run_case0(m, st, NULL, &bytes);
    int first = s == EMBER_OK && check_records(m, &prof, n, 0, message, size);
    if (first) s = run_case0(m, st, NULL, &bytes);
    counting = 0;
    calls = alloc_calls;
    if (!first || s != EMBER_OK || !check_records(m, &prof, n, 2 + 2 * (uint64_t)n, message, size)) {
        if (s != EMBER_OK) snprintf(message, size, "profiled run: %s", ember_method_message(m));
        goto done;
    }
    if (calls != 0) {
        snprintf(message, size, "%ld allocator calls in set_profile + profiled runs", calls);
        goto done;
    }
    /* a short buffer: the first records, the rest dropped, nothing written past capacity */
    for (int32_t cap = 0; cap < n && cap <= 2; cap += 1 + (n > 2)) {
        memset(records, 0xA5, ((size_t)n + 1) * sizeof *records);
        memcpy(copy, records, ((size_t)n + 1) * sizeof *records);
        prof.capacity = cap;
        prof.records = cap ? records : NULL;
        before = ticks;
        if (ember_method_set_profile(m, &prof) != EMBER_OK || run_case0(m, st, NULL, &bytes) != EMBER_OK ||
            !check_records(m, &prof, n, before, message, size))
            goto done;
        if (memcmp(records + cap, copy + cap, ((size_t)(n - cap) + 1) * sizeof *records) != 0) {
            snprintf(message, size, "capacity %d: records written past it", (int)cap);
            goto done;
        }
    }
    /* unset: later runs touch neither the profile nor its records, nor read the clock */
    {
        ember_profile snapshot;
        if (ember_method_set_profile(m, NULL) != EMBER_OK) goto done;
        memcpy(&snapshot, &prof, sizeof prof);
        memcpy(copy, records, ((size_t)n + 1) * sizeof *records);
        before = ticks;
        if (run_case0(m, st, NULL, &bytes) != EMBER_OK || run_case0(m, st, NULL, &bytes) != EMBER_OK ||
            memcmp(&snapshot, &prof, sizeof prof) != 0 ||
            memcmp(copy, records, ((size_t)n + 1) * sizeof *records) != 0 || ticks != before) {
            snprintf(message, size, "an unset profile was written or its clock read");
            goto done;
        }
    }
    snprintf(message, size, "%d operators (%d absent optional inputs), every one recorded in order, short "
             "buffers' drops counted, heap untouched", (int)n, (int)absent);
    ok = 1;
done:
    if (ember_method_set_profile(m, NULL) != EMBER_OK) ok = 0;
    free(records);
    free(copy);
    return ok;
}

/* Test case 0 of p on `threads` threads: outputs must equal p's one-thread reference.
 * Memory sized for one thread must be refused for more when the method has scratch. */
static int thread_count_check(loaded *p, int32_t threads, char *message, size_t size) {
    size_t need = 0, bytes = 0;
    void *mem = NULL, *out = NULL;
    ember_method *m = NULL;
    ember_pool *pool = NULL;
    ember_status s;
    selftest_state st = {NULL, NULL, 0};
    int ok = 0;
    if ((s = ember_method_memory_size_threads(p->prog, "forward", threads, &need)) != EMBER_OK ||
        posix_memalign(&mem, 64, need) != 0 || posix_memalign(&out, 64, p->reference_bytes + 1) != 0 ||
        !new_state(p, &st) ||
        (pool = ember_pool_create(threads)) == NULL) {
        snprintf(message, size, "setup for %d threads (%s)", (int)threads, ember_status_str(s));
        goto done;
    }
    if (need > p->need) {   /* scratch per thread: one thread's memory is not enough */
        if (ember_method_init(p->prog, "forward", mem, p->need, &m) != EMBER_OK ||
            ember_method_set_threads(m, threads, ember_pool_parallel_for, pool) != EMBER_ERR_MEMORY) {
            snprintf(message, size, "%d threads accepted in memory sized for one", (int)threads);
            goto done;
        }
    }
    if (ember_method_init(p->prog, "forward", mem, need, &m) != EMBER_OK || bind_state(m, &st) != EMBER_OK ||
        (s = ember_method_set_threads(m, threads, ember_pool_parallel_for, pool)) != EMBER_OK) {
        snprintf(message, size, "%d threads: %s", (int)threads, ember_method_message(m));
        goto done;
    }
    uint64_t ticks = 0;
    int32_t n_ops = ember_method_operator_count(m);
    ember_op_record records[8];
    ember_profile prof = {records, 8, 0, 0, 0, 0, counting_clock, &ticks};
    for (int r = 0; r < 2; r++) {   /* the second run profiled: the clock read on this thread */
        if (r == 1 && ember_method_set_profile(m, &prof) != EMBER_OK) {
            snprintf(message, size, "%d threads: set_profile: %s", (int)threads, ember_method_message(m));
            goto done;
        }
        if (run_case0(m, &st, out, &bytes) != EMBER_OK) {
            snprintf(message, size, "%d threads: run: %s", (int)threads, ember_method_message(m));
            goto done;
        }
        if (bytes != p->reference_bytes || memcmp(out, p->reference, bytes) != 0) {
            snprintf(message, size, "%d threads: outputs differ from the one-thread run (run %d)", (int)threads, r);
            goto done;
        }
    }
    if (!check_records(m, &prof, n_ops, 0, message, size)) goto done;
    ok = 1;
done:
    ember_pool_free(pool);
    free(mem);
    free(out);
    free(st.data);
    return ok;
}

int main(int argc, char **argv) {
    static loaded programs[MAX_PROGRAMS];
    int n = argc - 1, failures = 0, with_cases = 0, profiled = 0;
    if (n < 1 || n > MAX_PROGRAMS) {
        fprintf(stderr, "usage: native_test PROGRAM... (1 to %d files)\n", MAX_PROGRAMS);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        loaded *p = &programs[i];
        void *mem = NULL;
        ember_method *m = NULL;
        selftest_result r;
        ember_status s;
        p->path = argv[i + 1];
        p->file = read_file(p->path, &p->size);
        if (p->file == NULL) {
            printf("FAIL %s: cannot read\n", p->path);
            failures++;
            continue;
        }
        /* the method's memory is obtained before counting starts: the app owns it */
        s = ember_program_load(&p->prog_mem, sizeof p->prog_mem, p->file, p->size, &p->prog);
        if (s == EMBER_OK) s = ember_method_memory_size(p->prog, "forward", &p->need);
        p->state.bytes = s == EMBER_OK ? ember_program_state_size(p->prog) : 0;   /* the app's, like mem */
        p->state.data = NULL;
        if (p->state.bytes > 0 && posix_memalign(&p->state.data, 64, p->state.bytes) != 0) p->state.data = NULL;
        if (s != EMBER_OK || posix_memalign(&mem, 64, p->need) != 0 || (p->state.bytes > 0 && p->state.data == NULL)) {
            printf("FAIL %s: %s (%s)\n", p->path, ember_program_message(p->prog), ember_status_str(s));
            failures++;
            continue;
        }
        alloc_calls = 0;
        counting = 1;
        s = ember_program_load(&p->prog_mem, sizeof p->prog_mem, p->file, p->size, &p->prog);
        p->state.program = p->prog;
        if (s == EMBER_OK) s = ember_method_init(p->prog, "forward", mem, p->need, &m);
        int refused = 0;   /* with state: a run before any is bound is refused, with a message */
        if (s == EMBER_OK && p->state.data != NULL && ember_method_test_case_count(m) > 0) {
            size_t ignored;
            refused = run_case0(m, NULL, NULL, &ignored) == EMBER_ERR_INPUT &&
                      strstr(ember_method_message(m), "state") != NULL;
        }
        if (s == EMBER_OK && p->state.data != NULL) {
            s = ember_program_state_init(p->prog, p->state.data, p->state.bytes);
            if (s == EMBER_OK) s = ember_method_set_state(m, p->state.data, p->state.bytes);
        }
        if (s == EMBER_OK) s = selftest_run(m, &p->state, p->path, NULL, &r);
        counting = 0;
        if (s != EMBER_OK) {
            printf("FAIL %s: %s (%s)\n", p->path, m ? ember_method_message(m) : ember_program_message(p->prog),
                   ember_status_str(s));
            failures++;
            free(mem);
            continue;
        }
        if (p->state.data != NULL) {
            printf("%s state %s: %zu bytes in the caller's block; a run without it %s; every case from the "
                   "initial state\n", refused || r.cases == 0 ? "PASS" : "FAIL", p->path, p->state.bytes,
                   refused ? "refused" : "NOT refused");
            failures += !(refused || r.cases == 0);
        }
        selftest_run(m, &p->state, p->path, stdout, &r);   /* again, printing the figures */
        printf("%s %s: %d test case(s), %d failed, max abs err %.3e; %ld allocator calls in load+init+run\n",
               r.failed || alloc_calls ? "FAIL" : "PASS", p->path, r.cases, r.failed, r.max_abs, alloc_calls);
        failures += r.failed + (alloc_calls != 0);
        if (r.cases > 0) {
            char message[EMBER_MESSAGE_BYTES + 128];
            int good = profile_check(m, &p->state, message, sizeof message);
            printf("%s profile %s: %s\n", good ? "PASS" : "FAIL", p->path, message);
            failures += !good;
            profiled += good;
        }
        if (r.cases > 0) {
            with_cases++;
            if (run_case0(m, &p->state, NULL, &p->reference_bytes) != EMBER_OK ||
                posix_memalign(&p->reference, 64, p->reference_bytes + 1) != 0 ||
                run_case0(m, &p->state, p->reference, &p->reference_bytes) != EMBER_OK) {
                printf("FAIL %s: reference run\n", p->path);
                failures++;
                p->reference = NULL;
            }
        }
        ember_method_free(m);
        free(mem);
    }
    printf("%s profile: %d programs profiled\n", profiled == with_cases ? "PASS" : "FAIL", profiled);
    /* Two methods of each program, and all programs, at once. */
    {
        static job jobs[2 * MAX_PROGRAMS];
        static pthread_t threads[2 * MAX_PROGRAMS];
        int started = 0;
        for (int i = 0; i < n; i++) {
            if (programs[i].reference == NULL) continue;
            for (int k = 0; k < 2; k++) {
                jobs[started].p = &programs[i];
                if (pthread_create(&threads[started], NULL, thread_main, &jobs[started]) != 0) {
                    printf("FAIL cannot start a thread\n");
                    failures++;
                    break;
                }
                started++;
            }
        }
        for (int t = 0; t < started; t++) {
            pthread_join(threads[t], NULL);
            if (!jobs[t].ok) {
                printf("FAIL threads %s: %s\n", jobs[t].p->path, jobs[t].message);
                failures++;
            }
        }
        printf("%s threads: %d methods ran concurrently (%d programs, %d runs each), outputs identical to runs alone\n",
               failures ? "FAIL" : "PASS", started, with_cases, THREAD_RUNS);
    }
    /* One method's kernels split over 2 and 3 threads: the same bits as one thread. */
    {
        int checked = 0, bad = 0;
        for (int i = 0; i < n; i++) {
            if (programs[i].reference == NULL) continue;
            for (int32_t threads = 2; threads <= 3; threads++) {
                char message[EMBER_MESSAGE_BYTES + 64];
                checked++;
                if (!thread_count_check(&programs[i], threads, message, sizeof message)) {
                    printf("FAIL thread count %s: %s\n", programs[i].path, message);
                    bad++;
                }
            }
        }
        failures += bad;
        printf("%s thread counts: %d runs on 2 and 3 threads, outputs identical to 1 thread\n", bad ? "FAIL" : "PASS",
               checked);
    }
    for (int i = 0; i < n; i++) {
        free(programs[i].file);
        free(programs[i].reference);
        free(programs[i].state.data);
    }
    printf("native test: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
