/*
 * ember.h - the Ember C runtime: run a .ember program in memory you own.
 *
 * C99, libc and libm only. No heap use anywhere, no global mutable state: a
 * program and its methods live in memory the caller hands in, so two programs
 * (or two methods of one program) run side by side in two threads.
 *
 *     // 1. Load: verifies the whole file; weights stay where they are.
 *     static ember_program_storage prog_mem;          // aligned EMBER_PROGRAM_BYTES
 *     ember_program *prog;
 *     if (ember_program_load(&prog_mem, sizeof prog_mem, file, file_size, &prog) != EMBER_OK) {
 *         fprintf(stderr, "%s\n", ember_program_message(prog));
 *         return 1;
 *     }
 *     // 2. Ask how much memory a method needs, then supply it.
 *     size_t need;
 *     ember_method_memory_size(prog, "forward", &need);
 *     void *mem = my_aligned_buffer(need);            // 16-byte aligned
 *     ember_method *m;
 *     if (ember_method_init(prog, "forward", mem, need, &m) != EMBER_OK) { ... }
 *     // 3. Bind inputs (copy in, or point at your buffer), run, read outputs.
 *     int64_t shape[4] = {1, 1, 8, 8};
 *     ember_method_set_input(m, 0, EMBER_DTYPE_FLOAT32, shape, 4, image, sizeof image);
 *     if (ember_method_run(m) != EMBER_OK) fprintf(stderr, "%s\n", ember_method_message(m));
 *     ember_tensor_info out;
 *     ember_method_output(m, 0, &out);                // out.data: float[out.shape...]
 *
 * Lifetimes: the file buffer must outlive the program; the program must
 * outlive its methods; output data stays valid until the next run.
 * The file buffer must be 16-byte aligned (mmap and ROM placement give this).
 * Every fallible call returns an ember_status; the handle's message names the
 * field, index and bound that failed.
 */
#ifndef EMBER_H
#define EMBER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EMBER_NODISCARD __attribute__((warn_unused_result))
#else
#define EMBER_NODISCARD
#endif

#define EMBER_VERSION_MAJOR 2       /* the newest schema version this runtime reads */
#define EMBER_VERSION_MINOR 4
#define EMBER_MAX_RANK 8            /* tensors of higher rank are rejected at load */
#define EMBER_MAX_SYMBOLS 8         /* dynamic sizes per method */
#define EMBER_MESSAGE_BYTES 256
#define EMBER_PROGRAM_BYTES 512     /* memory for an ember_program (ember_program_load) */
#define EMBER_ALIGNMENT 16          /* alignment of the file buffer and method memory */

typedef enum ember_status {
    EMBER_OK = 0,
    EMBER_ERR_ARGUMENT = 1,    /* a NULL pointer, an index out of range, misaligned memory */
    EMBER_ERR_FORMAT = 2,      /* not an Ember file, truncated, or a malformed FlatBuffer */
    EMBER_ERR_VERSION = 3,     /* the file's schema major version is newer than this runtime */
    EMBER_ERR_VERIFY = 4,      /* a value in the file is out of range or inconsistent */
    EMBER_ERR_UNSUPPORTED = 5, /* an op or dtype this build does not include */
    EMBER_ERR_MEMORY = 6,      /* the memory handed in is too small */
    EMBER_ERR_INPUT = 7,       /* an input of the wrong dtype, rank or shape, or not bound */
    EMBER_ERR_EXECUTION = 8,   /* a data-dependent error while running (e.g. gather index) */
    EMBER_ERR_STATE = 9        /* a call on a handle whose load or init failed */
} ember_status;

typedef enum ember_dtype {
    EMBER_DTYPE_FLOAT32 = 0,
    EMBER_DTYPE_INT8 = 1,
    EMBER_DTYPE_INT32 = 2,
    EMBER_DTYPE_INT64 = 3,
    EMBER_DTYPE_BOOL = 4,      /* one byte, 0 or 1 */
    EMBER_DTYPE_UINT8 = 5,
    EMBER_DTYPE_FLOAT16 = 6,   /* IEEE half (storage only: CAST and data movement; schema 2.3) */
    EMBER_DTYPE_FLOAT64 = 7    /* IEEE double (storage only, as FLOAT16) */
} ember_dtype;

typedef struct ember_program ember_program;

/* Correctly aligned storage for a program handle, for callers without compiler
 * alignment attributes: `static ember_program_storage mem;` then pass
 * (&mem, sizeof mem) to ember_program_load. */
typedef union ember_program_storage {
    unsigned char bytes[EMBER_PROGRAM_BYTES];
    uint64_t align_u64;
    double align_double;
    void *align_pointer;
} ember_program_storage;
typedef struct ember_method ember_method;

/* A tensor as the caller sees it: an input's declaration or an output's data. */
typedef struct ember_tensor_info {
    const char *name;          /* points into the file; NUL-terminated */
    ember_dtype dtype;
    int32_t rank;
    int64_t shape[EMBER_MAX_RANK];   /* current shape (declared maximum before a run) */
    const void *data;          /* outputs: valid until the next run; inputs: NULL */
    size_t nbytes;             /* bytes at the current shape */
} ember_tensor_info;

/* The constant name of a status, e.g. "EMBER_ERR_VERIFY". Never NULL. */
const char *ember_status_str(ember_status status);
/* Bytes per element of a dtype; 0 for an unknown value. */
size_t ember_dtype_size(ember_dtype dtype);
/* FLOAT16 elements (IEEE half, the bits in a uint16_t) to and from double: widening is
 * exact; narrowing rounds to the nearest half, ties to even (as numpy), +-inf on overflow. */
double ember_half_to_double(uint16_t h);
uint16_t ember_double_to_half(double v);

/* ---- program: an immutable, verified view of a file --------------------------
 * ember_program_load verifies the whole file (every FlatBuffer offset, length and
 * string, enum values, tensor indices, shapes, constant and arena ranges,
 * alignment, op arity and dtypes, that each op is in this build) and keeps only
 * pointers into `data`: nothing is copied. `mem` (EMBER_PROGRAM_BYTES, 8-byte
 * aligned; see ember_program_storage) holds the handle. *out is set whenever mem is big enough, also on
 * failure, so ember_program_message() can explain; a failed program refuses
 * every other call with EMBER_ERR_STATE. Thread-safe to share once loaded. */
EMBER_NODISCARD ember_status ember_program_load(void *mem, size_t mem_bytes, const void *data,
                                                size_t size, ember_program **out);
/* The last error message ("" when none). Never NULL; NULL program gives a fixed text. */
const char *ember_program_message(const ember_program *program);
/* Number of methods, and the name of method i (NULL when out of range). */
int32_t ember_program_method_count(const ember_program *program);
const char *ember_program_method_name(const ember_program *program, int32_t index);
/* Metadata value for a key, or NULL. */
const char *ember_program_metadata(const ember_program *program, const char *key);
/* Forgets the handle (no memory is owned). NULL is a no-op. */
void ember_program_free(ember_program *program);

/* ---- method: per-run state in caller memory ---------------------------------- */
/* Bytes of memory ember_method_init needs for the method `name` (handle, tensor
 * table, operator table and the planned arena). Does not allocate. */
EMBER_NODISCARD ember_status ember_method_memory_size(const ember_program *program, const char *name,
                                                      size_t *bytes);
/* Lays the method out in `mem` (EMBER_ALIGNMENT-aligned, `bytes` from
 * ember_method_memory_size) and prepares every operator: shapes, dtypes and
 * options are checked here, so running checks only data-dependent indices.
 * *out is set whenever mem can hold the handle, also on failure (see message). */
EMBER_NODISCARD ember_status ember_method_init(const ember_program *program, const char *name,
                                               void *mem, size_t bytes, ember_method **out);
const char *ember_method_message(const ember_method *method);
int32_t ember_method_input_count(const ember_method *method);
int32_t ember_method_output_count(const ember_method *method);
/* Declaration of input i: dtype, rank and maximum shape (data is NULL). */
EMBER_NODISCARD ember_status ember_method_input_info(const ember_method *method, int32_t index,
                                                     ember_tensor_info *info);
/* Copies input i into the arena. shape/rank give its actual size (dynamic dims
 * may be anything in their exported range); nbytes must equal that size. The
 * copy serves one run (the arena reuses its bytes): set it again before the next
 * run, or bind the input instead. */
EMBER_NODISCARD ember_status ember_method_set_input(ember_method *method, int32_t index,
                                                    ember_dtype dtype, const int64_t *shape,
                                                    int32_t rank, const void *data, size_t nbytes);
/* Like set_input but without a copy: the method reads `data` in place during
 * later runs (never writes it). `data` must be aligned to its element size and
 * stay valid until rebound or the method is freed. */
EMBER_NODISCARD ember_status ember_method_bind_input(ember_method *method, int32_t index,
                                                     ember_dtype dtype, const int64_t *shape,
                                                     int32_t rank, const void *data, size_t nbytes);
/* Runs every operator. Every input must have been set since the last run, or bound. */
EMBER_NODISCARD ember_status ember_method_run(ember_method *method);
/* Output i after a run: data, dtype and shape. */
EMBER_NODISCARD ember_status ember_method_output(const ember_method *method, int32_t index,
                                                 ember_tensor_info *info);

/* Bundled test cases (inputs and expected outputs stored in the file). */
int32_t ember_method_test_case_count(const ember_method *method);
/* Tensor j of test case c: `output` = 0 for inputs, 1 for expected outputs;
 * atol and rtol (may be NULL) receive the case's tolerance. */
EMBER_NODISCARD ember_status ember_method_test_case_tensor(const ember_method *method, int32_t c,
                                                           int output, int32_t j,
                                                           ember_tensor_info *info, float *atol,
                                                           float *rtol);
/* Forgets the handle (the caller owns the memory). NULL is a no-op. */
void ember_method_free(ember_method *method);

/* ---- program state (schema 2.4): memory kept across runs, owned by the caller ----
 * A program may declare state tensors (a language model's KV cache, a running count):
 * memory that keeps its values from one run to the next, read by any of the program's
 * methods and updated in place by INDEX_COPY operators. The library keeps no state of its
 * own: the caller supplies one block of ember_program_state_size bytes (16-byte aligned),
 * sets it to the initial values with ember_program_state_init, and binds it to every
 * method that should see it:
 *
 *     size_t sbytes = ember_program_state_size(prog);        // 0: the program has no state
 *     void *state = my_aligned_buffer(sbytes);               // 16-byte aligned
 *     ember_program_state_init(prog, state, sbytes);         // initial values (zeros where none)
 *     ember_method_set_state(prefill, state, sbytes);        // methods of one program may share
 *     ember_method_set_state(decode, state, sbytes);         // one block: they see one cache
 *     ...run prefill, then decode again and again...
 *     ember_program_state_init(prog, state, sbytes);         // reset: a new sequence
 *
 * Two blocks bound to two methods (of one loaded program or of two) are two independent
 * states. A method of a program with state refuses to run (EMBER_ERR_INPUT) until a block
 * is bound. Runs that share a block must not overlap in time (one run at a time per block;
 * the library takes no lock). The block must stay valid until rebound or the method freed.
 * A position outside a state tensor (INDEX_COPY's run-time positions) fails the run with
 * EMBER_ERR_EXECUTION before anything is written. */

/* Bytes of state memory the program needs; 0 when it has none (or the handle is NULL or
 * failed). */
size_t ember_program_state_size(const ember_program *program);
/* Writes every state tensor's initial value (zeros where the file gives none) into
 * `state` (EMBER_ALIGNMENT-aligned, `bytes` >= ember_program_state_size). Call it again to
 * reset. EMBER_ERR_ARGUMENT for a NULL or misaligned block, EMBER_ERR_MEMORY when `bytes`
 * is too small, EMBER_ERR_STATE for a failed program; EMBER_OK without touching `state`
 * when the program has no state. Sets no message (the program is shared and const). */
EMBER_NODISCARD ember_status ember_program_state_init(const ember_program *program, void *state, size_t bytes);
/* Binds a state block (set up by ember_program_state_init) to the method: its state
 * tensors are read and written there from the next run on. Same checks as state_init
 * (with a message); state NULL with bytes 0 unbinds. For a program without state any
 * block, or none, is accepted and never touched. */
EMBER_NODISCARD ember_status ember_method_set_state(ember_method *method, void *state, size_t bytes);

/* ---- threads (optional): a parallel-for the caller supplies ------------------
 * The library starts no threads. To spread one method's kernels (GEMM, convolution,
 * fully connected) over several cores, give it a parallel-for of your own (a thread
 * pool; runtime_c/examples/ember_pool.c is one on pthreads):
 *
 *     parallel_for(pool, count, task, ctx) must call task(ctx, i) exactly once for
 *     every i in [0, count), on any threads, concurrently or not, and return only
 *     when every call has returned. count <= the `threads` given below.
 *
 * Each task index owns a slice of kernel scratch, so the method needs memory for
 * `threads` slices: size it with ember_method_memory_size_threads and pass that many
 * bytes to ember_method_init. Work is split by output tiles, and every output
 * element is computed by the same arithmetic whatever the split: results are
 * identical (bit for bit) for every thread count. One run uses the pool at a time;
 * two methods may share a pool only if the pool accepts concurrent calls. */
typedef void (*ember_task_fn)(void *ctx, int32_t index);
typedef void (*ember_parallel_for_fn)(void *pool, int32_t count, ember_task_fn task, void *ctx);
#define EMBER_MAX_THREADS 64

/* Like ember_method_memory_size, with kernel scratch for `threads` (1 ..
 * EMBER_MAX_THREADS) tasks running at once. threads = 1 gives the same as
 * ember_method_memory_size. */
EMBER_NODISCARD ember_status ember_method_memory_size_threads(const ember_program *program, const char *name,
                                                              int32_t threads, size_t *bytes);
/* Runs later ember_method_run calls on up to `threads` tasks through parallel_for
 * (called from the thread that calls ember_method_run). threads = 1 (parallel_for
 * may be NULL) goes back to running on the caller's thread alone. Fails with
 * EMBER_ERR_MEMORY when the memory given to ember_method_init holds fewer scratch
 * slices (see ember_method_memory_size_threads), EMBER_ERR_ARGUMENT for threads
 * outside 1 .. EMBER_MAX_THREADS or threads > 1 without parallel_for. */
EMBER_NODISCARD ember_status ember_method_set_threads(ember_method *method, int32_t threads,
                                                      ember_parallel_for_fn parallel_for, void *pool);

/* ---- operators (optional): what a method runs, for tools --------------------
 * Operator k (0 .. ember_method_operator_count - 1, in run order) as the file lists it:
 * its op, the Python line that produced it, and its operands. Strings point into the
 * file buffer or static storage (nothing is allocated or copied). */
typedef struct ember_operator_info {
    const char *op;            /* the opcode's name, e.g. "CONV2D" (static storage) */
    int32_t opcode;            /* its code in the schema (the OpCode enum of program.fbs) */
    const char *source;        /* "file.py:LINE: code" of the export, in the file; "" when none */
    int32_t n_inputs;          /* operands as listed, absent optional inputs included */
    int32_t n_outputs;
} ember_operator_info;

/* Number of operators; 0 for a NULL or failed handle. */
int32_t ember_method_operator_count(const ember_method *method);
/* Operator k: EMBER_ERR_ARGUMENT for k out of range or a NULL info. */
EMBER_NODISCARD ember_status ember_method_operator_info(const ember_method *method, int32_t k,
                                                        ember_operator_info *info);
/* Operand j of operator k (`output` = 0: input j, 1: output j): name, dtype, rank, shape and
 * nbytes at the sizes of the last run (the declared maxima before a first run with dynamic
 * sizes); data is NULL (intermediate arena bytes are reused by later operators).
 * EMBER_ERR_INPUT (info zeroed, name "") where input j is an absent optional operand,
 * EMBER_ERR_ARGUMENT for k or j out of range or a NULL info. */
EMBER_NODISCARD ember_status ember_method_operator_tensor(const ember_method *method, int32_t k, int output,
                                                          int32_t j, ember_tensor_info *info);

/* ---- profiling (optional): each operator's start and end on a clock you supply ----
 * The library reads no clock of its own (there is none in C99 worth having on every
 * target). Give it one that returns any monotonic tick count - clock_gettime in
 * nanoseconds on a hosted system, a cycle counter (DWT->CYCCNT, PMCCNTR_EL0, rdtsc) on a
 * device - and a buffer of records you own:
 *
 *     static ember_op_record records[64];
 *     ember_profile prof = {records, 64, 0, 0, 0, 0, my_cycles, NULL};
 *     ember_method_set_profile(m, &prof);
 *     ember_method_run(m);       // prof.count records: records[i].op, .opcode, .start, .end
 *
 * Each ember_method_run then writes, from its own thread only: run_start on entry and
 * run_end on return (the whole run: input checks, re-preparation when dynamic sizes
 * change, every operator), one record per operator in run order into records[0 ..
 * capacity), and count (records filled) and dropped (operators that did not fit). A run
 * overwrites the previous run's records: copy them out between runs to keep them. A run
 * that fails keeps the records of the operators that ran, the failing one included.
 *
 * The library never allocates and never keeps a pointer into the records beyond the
 * profile: the caller owns `profile` and `records`, which must stay valid until the
 * profile is unset (NULL) or the method freed. With threads (ember_method_set_threads),
 * the clock is read on the thread that called ember_method_run, before an operator
 * starts and after every task of it has returned: the times are the operator's wall
 * time, not its CPU time. A profile serves one method at a time (two methods running
 * in two threads need two profiles). Unset (the default), a run costs one predictable
 * branch per operator and never touches a profile. */
typedef uint64_t (*ember_clock_fn)(void *ctx);   /* any monotonic tick count */

typedef struct ember_op_record {
    int32_t op;                /* operator index, 0 .. ember_method_operator_count - 1 */
    int32_t opcode;            /* as ember_operator_info.opcode */
    uint64_t start, end;       /* clock ticks around the operator's kernel */
} ember_op_record;

typedef struct ember_profile {
    ember_op_record *records;  /* the caller's buffer of `capacity` records */
    int32_t capacity;
    int32_t count;             /* written by each run: records filled (<= capacity) */
    int32_t dropped;           /* written by each run: operators that did not fit */
    uint64_t run_start, run_end;   /* written by each run: the whole run, same clock */
    ember_clock_fn clock;      /* required */
    void *clock_ctx;           /* passed to clock, never read by the library */
} ember_profile;

/* Profiles later runs into *profile (see above); NULL turns profiling off. Sets count
 * and dropped to 0. EMBER_ERR_ARGUMENT for a profile without a clock, a negative
 * capacity, or NULL records with capacity > 0 (a run refuses such a profile too, should
 * its fields change after this call). */
EMBER_NODISCARD ember_status ember_method_set_profile(ember_method *method, ember_profile *profile);

#ifdef __cplusplus
}
#endif
#endif /* EMBER_H */
