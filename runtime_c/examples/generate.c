/* generate: the generation loop of a language-model program, in C with no Python.
 *
 *   generate PROGRAM --prompt-ids 1,2,3 [-n 32] [--temperature T] [--top-k K] [--seed S] [--threads N]
 *
 * The program follows the convention of `ember generate` (ember/generate.py, docs/llm.md):
 * methods `prefill` (ids INT64 [1, P], positions INT64 [P]) and `decode` (ids INT64 [1, 1],
 * positions INT64 [1]), each returning logits FLOAT32 [1, n, vocab]; the KV cache is program
 * state. This is the code an app developer copies: map the file, load it, init both methods
 * on memory of our own, one state block (ember_program_state_size / _init) bound to both, so
 * they see one cache; the prompt through prefill in whole chunks of P, the rest through decode
 * one token at a time (no padding reaches the cache); then -n tokens, each from the logits of
 * the last run, fed back through decode.
 *
 * Picking a token: greedy (the largest logit; of equal ones the first, as numpy's argmax) by
 * default, which gives exactly the ids of `ember generate`. With --temperature T > 0 a token
 * is drawn from softmax(logits / T), over the K largest logits only with --top-k K, by the
 * small generator below (splitmix64) seeded with --seed: the same seed gives the same ids,
 * but not the ids of `ember generate`, whose draws come from numpy's generator.
 *
 * Output: the generated ids on stdout as they come (one line, space separated), then on
 * stderr `prefill: N tokens in X ms (Y tok/s); decode: M tokens in Z ms (W tok/s)`.
 * Exit status (as ember_run): 0 done; 1 the program cannot be mapped or loaded, or memory
 * cannot be had; 2 a wrong command line or a request the program cannot serve: not the
 * convention, a prompt plus -n past the cache, a run refused by its data (EMBER_ERR_EXECUTION:
 * a token id past the vocabulary, a position past the cache). Every error is one line.
 *
 * The cache length: the longest axis 2 of the rank-4 tensors that the methods' INDEX_COPY
 * operators write (the KV caches, [1, heads, length, head size], as ember/generate.py reads
 * them from the state tensors). A program whose cache has another layout is not checked up
 * front; a position past its cache still fails the run, and the library's message says so.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ember.h"
#include "ember_pool.h"
#include "timing.h"

#define USAGE \
    "usage: generate PROGRAM --prompt-ids 1,2,3 [-n N] [--temperature T] [--top-k K] [--seed S] [--threads N]"

/* ---- errors: one line on stderr and the exit status ---------------------------------- */
static int fail(int status, const char *fmt, ...) {
    va_list ap;
    fputs("generate: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

/* ---- the command line ------------------------------------------------------------------ */
typedef struct gen_options {
    const char *path;
    int64_t *prompt;          /* malloc'ed */
    int64_t n_prompt, n;      /* prompt tokens; tokens to generate */
    double temperature;       /* <= 0: greedy */
    int64_t top_k;            /* 0: every token */
    uint64_t seed;
    int32_t threads;
} gen_options;

/* A whole decimal integer in [lo, hi] (surrounding spaces allowed); 0, or -1. */
static int parse_int(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Comma-separated token ids (empty items skipped, as ember generate does) into o->prompt. */
static int parse_prompt(const char *text, gen_options *o) {
    size_t items = 1, len = strlen(text);
    char *copy = (char *)malloc(len + 1);
    for (const char *c = text; *c; c++) items += *c == ',';
    o->prompt = (int64_t *)malloc(items * sizeof *o->prompt);
    if (copy == NULL || o->prompt == NULL) {
        free(copy);
        return fail(1, "cannot allocate the prompt");
    }
    memcpy(copy, text, len + 1);
    o->n_prompt = 0;
    for (char *item = copy, *next; item != NULL; item = next) {
        long long id;
        next = strchr(item, ',');
        if (next != NULL) *next++ = '\0';
        if (item[strspn(item, " \t")] == '\0') continue;
        if (parse_int(item, 0, INT64_MAX, &id) != 0) {
            free(copy);
            return fail(2, "--prompt-ids '%s': expected comma-separated token ids of 0 or more (e.g. 1,2,3)", text);
        }
        o->prompt[o->n_prompt++] = (int64_t)id;
    }
    free(copy);
    if (o->n_prompt == 0) return fail(2, "the prompt is empty: give at least one token id (--prompt-ids 1,2,3)");
    return 0;
}

/* Fills *o from argv; 0, or the exit status after one line saying what is wrong. */
static int parse_args(int argc, char **argv, gen_options *o) {
    const char *prompt = NULL;
    memset(o, 0, sizeof *o);
    o->n = 32;
    o->threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long x;
        char *end;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n"
                   "Feeds the prompt through PROGRAM's prefill and decode methods (the KV cache is program\n"
                   "state), then generates N tokens (default 32) with decode: greedy, or with --temperature\n"
                   "T > 0 sampled from the K most likely (--top-k, default all) by a generator seeded with\n"
                   "--seed (default 0). Prints the ids as they come, then prefill and decode tokens/s.\n",
                   USAGE);
            return -1;
        }
        if (a[0] != '-' && o->path == NULL) {
            o->path = a;
            continue;
        }
        if (strcmp(a, "--prompt-ids") != 0 && strcmp(a, "-n") != 0 && strcmp(a, "--temperature") != 0 &&
            strcmp(a, "--top-k") != 0 && strcmp(a, "--seed") != 0 && strcmp(a, "--threads") != 0)
            return fail(2, "unknown argument '%s' (%s)", a, USAGE);
        if (v == NULL) return fail(2, "%s needs a value (%s)", a, USAGE);
        i++;
        if (strcmp(a, "--prompt-ids") == 0) {
            prompt = v;
        } else if (strcmp(a, "-n") == 0) {
            if (parse_int(v, 1, INT32_MAX, &x) != 0) return fail(2, "-n %s: must be at least 1", v);
            o->n = x;
        } else if (strcmp(a, "--temperature") == 0) {
            errno = 0;
            o->temperature = strtod(v, &end);
            if (end == v || *end != '\0' || errno != 0 || !(o->temperature >= 0.0) || isinf(o->temperature))
                return fail(2, "--temperature %s: must be a number of 0 or more (0: greedy)", v);
        } else if (strcmp(a, "--top-k") == 0) {
            if (parse_int(v, 0, INT64_MAX, &x) != 0) return fail(2, "--top-k %s: must be 0 (every token) or more", v);
            o->top_k = x;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_int(v, 0, INT64_MAX, &x) != 0) return fail(2, "--seed %s: must be an integer of 0 or more", v);
            o->seed = (uint64_t)x;
        } else {
            if (parse_int(v, 1, EMBER_MAX_THREADS, &x) != 0)
                return fail(2, "--threads %s: must be 1 .. %d", v, EMBER_MAX_THREADS);
            o->threads = (int32_t)x;
        }
    }
    if (o->path == NULL) return fail(2, "no PROGRAM given (%s)", USAGE);
    if (prompt == NULL) return fail(2, "no --prompt-ids given (%s)", USAGE);
    return parse_prompt(prompt, o);
}

/* ---- the program ------------------------------------------------------------------------ */
typedef struct mapped { void *data; size_t size; } mapped;

static int map_file(const char *path, mapped *m) {
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        return fail(1, "cannot open %s", path);
    }
    m->size = (size_t)st.st_size;
    m->data = m->size ? mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (m->size == 0 || m->data == MAP_FAILED) {
        m->data = NULL;
        return fail(1, "%s: %s", path, m->size ? "cannot map" : "empty file");
    }
    return 0;
}

/* One of the two methods, on memory of its own. */
typedef struct lm_method {
    const char *name;
    ember_method *m;
    void *mem;
    int64_t tokens;           /* tokens per run: P for prefill, 1 for decode */
} lm_method;

static const char *const DTYPE_NAMES[] = {"float32", "int8", "int32", "int64", "bool", "uint8", "float16", "float64"};

static const char *dtype_name(ember_dtype d) {
    return (unsigned)d < sizeof DTYPE_NAMES / sizeof DTYPE_NAMES[0] ? DTYPE_NAMES[d] : "unknown";
}

/* "int64[1, 4]" */
static void describe(const ember_tensor_info *t, char *buf, size_t size) {
    int n = snprintf(buf, size, "%s[", dtype_name(t->dtype));
    for (int d = 0; d < t->rank && n > 0 && (size_t)n < size; d++)
        n += snprintf(buf + n, size - (size_t)n, d ? ", %lld" : "%lld", (long long)t->shape[d]);
    if (n > 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, "]");
}

/* Initialises lm->name on memory for `threads` and checks that it takes (ids INT64 [1, n],
 * positions INT64 [n]) and returns something; lm->tokens = n. 0, or the exit status. */
static int open_method(const ember_program *prog, const char *path, int32_t threads, lm_method *lm) {
    size_t need = 0;
    ember_status s;
    int32_t count = ember_program_method_count(prog), found = 0;
    for (int32_t k = 0; k < count; k++) found |= strcmp(ember_program_method_name(prog, k), lm->name) == 0;
    if (!found) {
        char names[256] = "";
        for (int32_t k = 0; k < count; k++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", ember_program_method_name(prog, k));
        }
        return fail(2, "%s: the program has no '%s' method (it has %s): export a language model with prefill and "
                    "decode methods (docs/llm.md)", path, lm->name, names);
    }
    if ((s = ember_method_memory_size_threads(prog, lm->name, threads, &need)) != EMBER_OK)
        return fail(1, "%s: method '%s': %s (%s)", path, lm->name, ember_program_message(prog), ember_status_str(s));
    if (posix_memalign(&lm->mem, 64, need) != 0) {
        lm->mem = NULL;
        return fail(1, "cannot allocate %zu bytes for method '%s'", need, lm->name);
    }
    if ((s = ember_method_init(prog, lm->name, lm->mem, need, &lm->m)) != EMBER_OK)
        return fail(1, "%s: method '%s': %s (%s)", path, lm->name, ember_method_message(lm->m), ember_status_str(s));
    ember_tensor_info ids, pos;
    int32_t n_in = ember_method_input_count(lm->m);
    int ok = n_in == 2 && ember_method_output_count(lm->m) >= 1 && ember_method_input_info(lm->m, 0, &ids) == EMBER_OK &&
             ember_method_input_info(lm->m, 1, &pos) == EMBER_OK && ids.dtype == EMBER_DTYPE_INT64 && ids.rank == 2 &&
             ids.shape[0] == 1 && ids.shape[1] >= 1 && pos.dtype == EMBER_DTYPE_INT64 && pos.rank == 1 &&
             pos.shape[0] == ids.shape[1];
    if (!ok) {
        char takes[512] = "";
        for (int32_t j = 0; j < n_in; j++) {
            ember_tensor_info t;
            size_t used = strlen(takes);
            char one[128];
            if (ember_method_input_info(lm->m, j, &t) != EMBER_OK) break;
            describe(&t, one, sizeof one);
            snprintf(takes + used, sizeof takes - used, "%s%s", j ? ", " : "", one);
        }
        return fail(2, "%s: method '%s' must take (ids int64[1, n], positions int64[n]) and return logits; it takes "
                    "%s", path, lm->name, n_in ? takes : "nothing");
    }
    lm->tokens = ids.shape[1];
    return 0;
}

/* The cache length (see the top of the file); 0 when no such tensor is written. */
static int64_t cache_length(const ember_method *m) {
    int64_t longest = 0;
    for (int32_t k = 0; k < ember_method_operator_count(m); k++) {
        ember_operator_info op;
        ember_tensor_info t;
        if (ember_method_operator_info(m, k, &op) == EMBER_OK && strcmp(op.op, "INDEX_COPY") == 0 &&
            ember_method_operator_tensor(m, k, 0, 0, &t) == EMBER_OK && t.rank == 4 && t.shape[2] > longest)
            longest = t.shape[2];
    }
    return longest;
}

/* ---- running ------------------------------------------------------------------------------ */
/* Runs lm on `count` ids at positions first, first + 1, ...; *row: the logits of the last
 * one (float[*vocab], valid until the next run). `positions` holds lm->tokens. 0, or the exit
 * status. */
static int step(lm_method *lm, const int64_t *ids, int64_t count, int64_t first, int64_t *positions,
                const float **row, int64_t *vocab) {
    int64_t ids_shape[2] = {1, count}, pos_shape[1] = {count};
    ember_tensor_info out;
    ember_status s;
    for (int64_t i = 0; i < count; i++) positions[i] = first + i;
    if ((s = ember_method_set_input(lm->m, 0, EMBER_DTYPE_INT64, ids_shape, 2, ids, (size_t)count * 8)) != EMBER_OK ||
        (s = ember_method_set_input(lm->m, 1, EMBER_DTYPE_INT64, pos_shape, 1, positions, (size_t)count * 8)) != EMBER_OK ||
        (s = ember_method_run(lm->m)) != EMBER_OK)
        return fail(s == EMBER_ERR_EXECUTION ? 2 : 1, "method '%s' at position %lld: %s (%s)", lm->name,
                    (long long)first, ember_method_message(lm->m), ember_status_str(s));
    if ((s = ember_method_output(lm->m, 0, &out)) != EMBER_OK)
        return fail(1, "method '%s': %s (%s)", lm->name, ember_method_message(lm->m), ember_status_str(s));
    if (out.dtype != EMBER_DTYPE_FLOAT32 || out.rank != 3 || out.shape[0] != 1 || out.shape[1] < 1 || out.shape[2] < 1) {
        char got[128];
        describe(&out, got, sizeof got);
        return fail(2, "method '%s' must return logits float32[1, n, vocab]; it returns %s", lm->name, got);
    }
    *vocab = out.shape[2];
    *row = (const float *)out.data + (out.shape[1] - 1) * out.shape[2];
    return 0;
}

/* ---- picking a token ---------------------------------------------------------------------- */
/* splitmix64: a 64-bit state advanced by a constant, each output a mix of it. Small, fast and
 * good enough to sample from; not numpy's generator. */
static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1): the top 53 bits. */
static double next_unit(uint64_t *state) { return (double)(next_u64(state) >> 11) * (1.0 / 9007199254740992.0); }

static int64_t argmax(const float *v, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(v[i])) return i;   /* numpy: the first NaN */
        if (v[i] > v[best]) best = i;
    }
    return best;
}

static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* A token from logits[vocab]: greedy, or drawn as described at the top. z and sorted: vocab
 * doubles of scratch. */
static int64_t pick(const float *logits, int64_t vocab, const gen_options *o, uint64_t *rng, double *z,
                    double *sorted) {
    if (!(o->temperature > 0.0)) return argmax(logits, vocab);
    double top = -(double)INFINITY, sum = 0.0, cut = -(double)INFINITY;
    for (int64_t i = 0; i < vocab; i++) z[i] = (double)logits[i] / o->temperature;
    if (o->top_k > 0 && o->top_k < vocab) {   /* keep the logits >= the k-th largest */
        memcpy(sorted, z, (size_t)vocab * sizeof *z);
        qsort(sorted, (size_t)vocab, sizeof *sorted, cmp_desc);
        cut = sorted[o->top_k - 1];
    }
    for (int64_t i = 0; i < vocab; i++) {
        if (!(z[i] >= cut)) z[i] = -(double)INFINITY;
        if (z[i] > top) top = z[i];
    }
    if (!isfinite(top)) return argmax(logits, vocab);   /* nothing to draw from (NaN or inf logits) */
    for (int64_t i = 0; i < vocab; i++) sum += z[i] = exp(z[i] - top);
    double u = next_unit(rng) * sum, acc = 0.0;
    int64_t last = 0;
    for (int64_t i = 0; i < vocab; i++) {
        if (z[i] <= 0.0) continue;
        acc += z[i];
        last = i;
        if (u < acc) return i;
    }
    return last;   /* u within rounding of the sum */
}

static void rate(char *buf, size_t size, int64_t tokens, double ms) {
    if (ms > 0.0 && tokens > 0) snprintf(buf, size, "%.1f tok/s", (double)tokens / (ms / 1e3));
    else snprintf(buf, size, "n/a");
}

/* ---- the loop ----------------------------------------------------------------------------- */
/* Everything the run holds, freed at the end whatever happened. */
typedef struct gen_run {
    mapped file;
    ember_program *prog;
    lm_method prefill, decode;
    void *state;
    ember_pool *pool;
    int64_t *positions;
    double *z, *sorted;
    int64_t scratch_vocab;
} gen_run;

static int setup(const gen_options *o, gen_run *r) {
    static ember_program_storage prog_mem;
    ember_status s;
    int rc;
    if ((rc = map_file(o->path, &r->file)) != 0) return rc;
    if ((s = ember_program_load(&prog_mem, sizeof prog_mem, r->file.data, r->file.size, &r->prog)) != EMBER_OK)
        return fail(1, "%s: %s (%s)", o->path, ember_program_message(r->prog), ember_status_str(s));
    if ((rc = open_method(r->prog, o->path, o->threads, &r->prefill)) != 0 ||
        (rc = open_method(r->prog, o->path, o->threads, &r->decode)) != 0)
        return rc;
    if (r->decode.tokens != 1)
        return fail(2, "%s: decode must take one token (it takes %lld)", o->path, (long long)r->decode.tokens);
    /* One state block, both methods: one KV cache. malloc is fine in an app. */
    size_t bytes = ember_program_state_size(r->prog);
    if (bytes > 0) {
        if (posix_memalign(&r->state, 64, bytes) != 0) {
            r->state = NULL;
            return fail(1, "cannot allocate %zu bytes of state", bytes);
        }
        if ((s = ember_program_state_init(r->prog, r->state, bytes)) != EMBER_OK)
            return fail(1, "%s: state init failed (%s)", o->path, ember_status_str(s));
        if ((s = ember_method_set_state(r->prefill.m, r->state, bytes)) != EMBER_OK ||
            (s = ember_method_set_state(r->decode.m, r->state, bytes)) != EMBER_OK)
            return fail(1, "%s (%s)", ember_method_message(r->prefill.m), ember_status_str(s));
    }
    /* One pool for both: they never run at the same time. */
    if (o->threads > 1) {
        if ((r->pool = ember_pool_create(o->threads)) == NULL) return fail(1, "cannot start %d threads", (int)o->threads);
        if ((s = ember_method_set_threads(r->prefill.m, o->threads, ember_pool_parallel_for, r->pool)) != EMBER_OK ||
            (s = ember_method_set_threads(r->decode.m, o->threads, ember_pool_parallel_for, r->pool)) != EMBER_OK)
            return fail(1, "threads: %s", ember_status_str(s));
    }
    int64_t cache = cache_length(r->prefill.m), in_decode = cache_length(r->decode.m);
    if (in_decode > cache) cache = in_decode;
    if (cache > 0 && o->n_prompt + o->n > cache)
        return fail(2, "the prompt (%lld tokens) and %lld new tokens need %lld cache positions; the program's cache "
                    "holds %lld", (long long)o->n_prompt, (long long)o->n, (long long)(o->n_prompt + o->n),
                    (long long)cache);
    if ((r->positions = (int64_t *)malloc((size_t)r->prefill.tokens * sizeof *r->positions)) == NULL)
        return fail(1, "cannot allocate %lld positions", (long long)r->prefill.tokens);
    return 0;
}

/* The sampler's scratch for `vocab` logits (grown when a method's vocabulary is larger). */
static int scratch(gen_run *r, int64_t vocab) {
    if (vocab <= r->scratch_vocab) return 0;
    free(r->z);
    free(r->sorted);
    r->z = (double *)malloc((size_t)vocab * sizeof *r->z);
    r->sorted = (double *)malloc((size_t)vocab * sizeof *r->sorted);
    if (r->z == NULL || r->sorted == NULL) return fail(1, "cannot allocate scratch for %lld logits", (long long)vocab);
    r->scratch_vocab = vocab;
    return 0;
}

static int generate(const gen_options *o, gen_run *r) {
    const float *logits = NULL;
    int64_t vocab = 0, p = r->prefill.tokens, full = o->n_prompt - o->n_prompt % p;
    uint64_t rng = o->seed;
    char prefill_rate[32], decode_rate[32];
    int rc;
    double t0 = timing_now_ms();
    for (int64_t at = 0; at < full; at += p)
        if ((rc = step(&r->prefill, o->prompt + at, p, at, r->positions, &logits, &vocab)) != 0) return rc;
    for (int64_t at = full; at < o->n_prompt; at++)
        if ((rc = step(&r->decode, o->prompt + at, 1, at, r->positions, &logits, &vocab)) != 0) return rc;
    double prefill_ms = timing_now_ms() - t0;
    t0 = timing_now_ms();
    for (int64_t i = 0; i < o->n; i++) {
        if ((rc = scratch(r, vocab)) != 0) return rc;
        int64_t token = pick(logits, vocab, o, &rng, r->z, r->sorted);
        printf(i ? " %lld" : "%lld", (long long)token);
        fflush(stdout);
        if (i + 1 < o->n && (rc = step(&r->decode, &token, 1, o->n_prompt + i, r->positions, &logits, &vocab)) != 0) {
            printf("\n");
            fflush(stdout);
            return rc;
        }
    }
    double decode_ms = timing_now_ms() - t0;
    printf("\n");
    fflush(stdout);   /* the ids' line before the rates on stderr */
    rate(prefill_rate, sizeof prefill_rate, o->n_prompt, prefill_ms);
    rate(decode_rate, sizeof decode_rate, o->n - 1, decode_ms);
    fprintf(stderr, "prefill: %lld tokens in %.1f ms (%s); decode: %lld tokens in %.1f ms (%s)\n",
            (long long)o->n_prompt, prefill_ms, prefill_rate, (long long)(o->n - 1), decode_ms, decode_rate);
    return 0;
}

int main(int argc, char **argv) {
    gen_options o;
    gen_run r;
    int rc = parse_args(argc, argv, &o);
    memset(&r, 0, sizeof r);
    r.prefill.name = "prefill";
    r.decode.name = "decode";
    if (rc == 0 && (rc = setup(&o, &r)) == 0) rc = generate(&o, &r);
    ember_method_free(r.prefill.m);
    ember_method_free(r.decode.m);
    ember_pool_free(r.pool);   /* after the last run */
    free(r.prefill.mem);
    free(r.decode.mem);
    free(r.state);
    free(r.positions);
    free(r.z);
    free(r.sorted);
    free(o.prompt);
    if (r.file.data) munmap(r.file.data, r.file.size);
    return rc < 0 ? 0 : rc;   /* -1: --help */
}
