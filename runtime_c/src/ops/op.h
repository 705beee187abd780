/* What every op file includes: operand access, the op table types and small
 * helpers (fused activations, broadcasting). An op file holds a pure kernel
 * (pointers, shapes, a params struct) and a thin adapter (`check`, `eval`). */
#ifndef EMBER_OP_H
#define EMBER_OP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../internal.h"

#if defined(__AVX2__) && !defined(EMBER_NO_SIMD)
#include <immintrin.h>
#endif

enum { EMBER_OPF_FLOAT_ONLY = 1, EMBER_OPF_BOOL_OUT = 2, EMBER_OPF_INT8 = 4 /* has an int8 kernel */,
       EMBER_OPF_INT8_WEIGHT = 8 /* input 1 may be an INT8 weight of a float op */,
       /* 16: unused (GEMM ops report their scratch through ember_op_impl.scratch) */
       EMBER_OPF_INT8_TABLE = 32 /* input 1 is a lookup table of the int8 kernel: a float op has none */,
       EMBER_OPF_QUANT_PASSTHROUGH = 64 /* data movement: may carry QuantParams with float operands */,
       EMBER_OPF_STORAGE_DTYPES = 128 /* operands may be FLOAT16 or FLOAT64 (CAST, data movement) */ };

/* The op table row: arity and dtype rules the loader checks for every op. */
typedef struct ember_op_spec {
    const char *name;
    int32_t options;            /* EMBER_OPT_* */
    int32_t min_inputs, max_inputs, outputs;
    uint32_t optional_mask;     /* bit p: input p may be absent (-1) */
    uint32_t flags;             /* EMBER_OPF_* */
} ember_op_spec;

extern const ember_op_spec ember_op_specs[EMBER_OPCODE_COUNT];

/* ---- helpers for checks -------------------------------------------------- */
static inline int ember_same_shape(const ember_tensor *a, const ember_tensor *b) {
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* Numpy broadcasting of `in` to `out`'s shape: 1 when in's shape (aligned at the
 * right) has, per dimension, the same size or 1. */
int ember_broadcastable(const ember_tensor *in, const ember_tensor *out);
/* The broadcast shape of a and b equals out's shape. */
int ember_broadcast_result(const ember_tensor *a, const ember_tensor *b, const ember_tensor *out);
/* The same as a check: EMBER_OK, or a message naming the three shapes. */
ember_status ember_check_broadcast_result(const ember_tensor *a, const ember_tensor *b, const ember_tensor *out,
                                          ember_error *err);
/* Writes "[2, 3, 4]" into buf (for messages). */
const char *ember_shape_str(const ember_tensor *t, char *buf, size_t size);
/* x and out have one shape: EMBER_OK, or a message naming both. */
ember_status ember_check_same_shape(const ember_tensor *x, const ember_tensor *out, ember_error *err);

/* ---- ops along one axis (SOFTMAX, LOG_SOFTMAX, CUMSUM) --------------------------------- */
/* x seen as (outer, len, inner) around `axis`: row r = o * inner + i runs along len with
 * stride inner. A rank-0 x is one row of one. */
typedef struct ember_axis_rows { int64_t outer, len, inner; } ember_axis_rows;
ember_axis_rows ember_axis_split(const ember_tensor *x, int axis);
/* x and out share one shape and axis is inside it (0 for rank 0). */
ember_status ember_axis_check(const ember_tensor *x, const ember_tensor *out, int32_t axis, ember_error *err);
/* SOFTMAX and LOG_SOFTMAX: FLOAT32 x and out, then ember_axis_check with AxisOptions. */
ember_status ember_axis_f32_check(const ember_op_args *a, ember_error *err);

/* ---- pooling and resizing (NCHW) ------------------------------------------------------- */
/* x (N, C, H, W) and out (N, C, OH, OW) as N * C planes. */
typedef struct ember_pool_shape { int64_t planes, h, w, oh, ow; } ember_pool_shape;
static inline ember_pool_shape ember_pool_shape_of(const ember_tensor *x, const ember_tensor *out) {
    ember_pool_shape s = {x->shape[0] * x->shape[1], x->shape[2], x->shape[3], out->shape[2], out->shape[3]};
    return s;
}
/* The check of AVG_POOL2D and MAX_POOL2D: rank-4 FLOAT32, kernel, stride and dilation >= 1,
 * padding >= 0, and out's shape the pooled one. */
ember_status ember_pool2d_check(const ember_op_args *a, ember_error *err);
/* The check of RESIZE_NEAREST and RESIZE_BILINEAR: FLOAT32 (N, C, H, W) in and out with
 * equal N, C, a pixel to sample when out has any, and finite scales >= 0. */
ember_status ember_resize_check(const ember_op_args *a, ember_error *err);
/* A resize's scale on one axis: the option, or in/out rounded to float32 when it is 0. */
static inline float ember_resize_scale(float option, int64_t in, int64_t out) {
    return option != 0.0f ? option : out > 0 ? (float)((double)in / (double)out) : 0.0f;
}

/* ---- helpers for kernels ------------------------------------------------- */
/* Reductions (reduce_mean.c): x seen as its kept dimensions (in order: the output's)
 * and its reduced ones, each with x's strides in elements. */
typedef struct ember_reduce_shape {
    int n_keep, n_red;
    int64_t keep[EMBER_MAX_RANK], keep_stride[EMBER_MAX_RANK];
    int64_t red[EMBER_MAX_RANK], red_stride[EMBER_MAX_RANK];
    int64_t outer, count;   /* output elements; input elements reduced into each */
} ember_reduce_shape;
void ember_reduce_split(const ember_tensor *x, const ember_reduce_params *p, ember_reduce_shape *s);
/* Axes distinct and inside x's rank; y's shape is x's with them removed (or 1 with keep_dims). */
ember_status ember_reduce_check(const ember_tensor *x, const ember_tensor *y, const ember_reduce_params *p,
                                ember_error *err);
/* A reduction kernel: x (of dtype xt) reduced as s says into y (of dtype yt, s->outer elements). */
typedef void (*ember_reduce_fn)(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s);
/* The eval of a REDUCE_* op: splits x by the op's axes and runs fn. */
/* PAD's shape rule, which the pad modes share: one dtype and rank, 2 * rank pads >= 0, each
 * output dimension the input's plus its pads. */
ember_status ember_pad_check(const ember_op_args *a, ember_error *err);
/* Integer or BOOL x (a nonzero BOOL byte is 1) reduced in int64 with wrap-around, as numpy:
 * the sum, or with `product` the product (an empty reduction gives 0 or 1); y any dtype. */
void ember_reduce_int(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s, int product);
/* REDUCE_SUM and REDUCE_PROD: a FLOAT32 input needs a FLOAT32 output, then ember_reduce_check. */
ember_status ember_reduce_numeric_check(const ember_op_args *a, ember_error *err);
static inline void ember_reduce_eval(const ember_op_args *a, ember_reduce_fn fn) {
    ember_reduce_shape s;
    ember_reduce_split(a->in[0], &a->p->reduce, &s);
    fn(a->in[0]->data, a->in[0]->dtype, a->out->data, a->out->dtype, &s);
}
/* Advances the row-major index idx over dims; returns the change of the offset. */
int64_t ember_odometer(int64_t *idx, const int64_t *dims, const int64_t *strides, int n);
/* The reduced elements of one output as contiguous runs: when the last reduced dimension
 * has stride 1 it is walked directly (run = its size) and the odometer covers the reduced
 * dimensions before it (*n_outer of them); else runs of 1 over all of them. The elements
 * come in the same order either way. */
static inline int64_t ember_reduce_run(const ember_reduce_shape *s, int *n_outer) {
    *n_outer = s->n_red;
    if (s->n_red == 0 || s->red_stride[s->n_red - 1] != 1) return 1;
    (*n_outer)--;
    return s->red[s->n_red - 1];
}

/* Pooling windows: the taps k in [*lo, *hi) of a window starting at `base` (dilation d,
 * k taps) that land inside [0, n); only those are visited, so a huge kernel over
 * padding costs nothing. */
static inline void ember_window_taps(int64_t base, int64_t n, int64_t d, int64_t k, int64_t *lo, int64_t *hi) {
    *lo = base >= 0 ? 0 : (-base + d - 1) / d;
    *hi = n - 1 - base < 0 ? 0 : (n - 1 - base) / d + 1;
    if (*hi > k) *hi = k;
    if (*lo > *hi) *lo = *hi;
}

/* The output columns j in [*ja, *jb) whose whole window - input columns j * stride - pad
 * + [0, span] - lies inside [0, w), of ow columns: where the first and the last tap are
 * inside (ember_window_taps of each); an empty range has *ja == *jb. */
static inline void ember_inside_columns(int64_t w, int64_t ow, int64_t stride, int64_t pad, int64_t span, int64_t *ja,
                                        int64_t *jb) {
    int64_t lo0, hi0, lo1, hi1;
    ember_window_taps(-pad, w, stride, ow, &lo0, &hi0);
    ember_window_taps(span - pad, w, stride, ow, &lo1, &hi1);
    *ja = lo0 > lo1 ? lo0 : lo1, *jb = hi0 < hi1 ? hi0 : hi1;
    if (*jb < *ja) *jb = *ja;
}

/* The scratch of an op that runs the blocked GEMM (CONV2D, FULLY_CONNECTED, BATCH_MATMUL)
 * with w as its B operand: one float panel; where w is INT8 with K = the product of its
 * sizes in dimensions [first, last) in [1, EMBER_GEMM_I8_MAX_K], the int8 GEMM's full-K
 * panels if more. K = 0 (an empty sum), K past the int32-exact bound, a negative size or
 * w NULL or of rank < 2 ask for the float panel only: those run the direct paths. */
uint64_t ember_gemm_scratch(const ember_operand *w, int32_t first, int32_t last);

/* BATCH_MATMUL's batch strides (elements) of operand t at `rank` batch dimensions of
 * the output, 0 on broadcast ones; `matrix` is t's elements per matrix. */
void ember_bmm_batch_strides(const ember_tensor *t, int rank, int64_t matrix, int64_t st[EMBER_MAX_RANK]);
/* Strides (in elements) of `in` seen at `out`'s rank, 0 on broadcast dimensions. */
void ember_broadcast_strides(const ember_tensor *in, const ember_tensor *out, int64_t strides[EMBER_MAX_RANK]);

/* Threads for kernels of independent items (elements, rows): splits [0, total) into
 * contiguous ranges of at least `grain` items over th's tasks (fewer when there is
 * little work) and calls fn(ctx, begin, end) once per range, in parallel. Each item is
 * computed the same way in any range, so results do not depend on the thread count. */
typedef void (*ember_range_fn)(const void *ctx, int64_t begin, int64_t end);
void ember_threads_for(const ember_threads *th, int64_t total, int64_t grain, ember_range_fn fn, const void *ctx);

/* The largest of x[j * stride], j < n, as numpy's max: a NaN wins; -inf when n is 0. */
static inline float ember_max_strided(const float *x, int64_t n, int64_t stride) {
    float m = -INFINITY;
    for (int64_t j = 0; j < n; j++) {
        float v = x[j * stride];
        if (v > m || v != v) m = v;
    }
    return m;
}

/* n elements of `item` bytes (any dtype's size): dst[j] = src[j * step]. A step of 1 is a
 * memmove: a crafted file may overlap source and destination in the arena. */
static inline void ember_copy_strided(char *dst, const char *src, int64_t n, int64_t step, size_t item) {
    if (step == 1) {
        memmove(dst, src, (size_t)n * item);
        return;
    }
    switch (item) {
    case 1: for (int64_t j = 0; j < n; j++) dst[j] = src[j * step]; break;
    case 2: for (int64_t j = 0; j < n; j++) memcpy(dst + 2 * j, src + 2 * j * step, 2); break;
    case 4: for (int64_t j = 0; j < n; j++) memcpy(dst + 4 * j, src + 4 * j * step, 4); break;
    case 8: for (int64_t j = 0; j < n; j++) memcpy(dst + 8 * j, src + 8 * j * step, 8); break;
    default: for (int64_t j = 0; j < n; j++) memcpy(dst + item * (size_t)j, src + item * (size_t)(j * step), item);
    }
}

/* Integer sums (REDUCE_SUM, CUMSUM) in int64 with wrap-around, as numpy. Element i of x
 * widened to int64 (x integer or BOOL; a nonzero BOOL byte is 1). */
static inline int64_t ember_load_int(const void *x, uint8_t dtype, int64_t i) {
    switch (dtype) {
    case EMBER_DTYPE_INT8: return ((const int8_t *)x)[i];
    case EMBER_DTYPE_INT32: return ((const int32_t *)x)[i];
    case EMBER_DTYPE_INT64: return ((const int64_t *)x)[i];
    case EMBER_DTYPE_BOOL: return ((const uint8_t *)x)[i] != 0;
    default: return ((const uint8_t *)x)[i];
    }
}

/* Element i of y = v in y's dtype: integers keep the low bits, FLOAT32 rounds, BOOL is v != 0. */
static inline void ember_store_int(void *y, uint8_t dtype, int64_t i, uint64_t v) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: ((float *)y)[i] = (float)(int64_t)v; break;
    case EMBER_DTYPE_INT8: ((int8_t *)y)[i] = (int8_t)(uint8_t)v; break;
    case EMBER_DTYPE_INT32: ((int32_t *)y)[i] = (int32_t)(uint32_t)v; break;
    case EMBER_DTYPE_INT64: ((int64_t *)y)[i] = (int64_t)v; break;
    case EMBER_DTYPE_BOOL: ((uint8_t *)y)[i] = (uint8_t)(v != 0); break;
    default: ((uint8_t *)y)[i] = (uint8_t)v; break;
    }
}

/* sum_i a[i] * b[i] in float32 over eight interleaved partial sums (lane u takes i = u mod
 * 8), combined pairwise, then the tail: independent chains a compiler vectorises. */
static inline float ember_dot_f32(const float *a, const float *b, int64_t k) {
    float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    int64_t i = 0;
    for (; i + 8 <= k; i += 8)
        for (int u = 0; u < 8; u++) s[u] += a[i + u] * b[i + u];
    float acc = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < k; i++) acc += a[i] * b[i];
    return acc;
}

/* out[v] = ember_dot_f32(a, b + v * ldb, k) for v < 4, the same operations in the same
 * order (so the same bits); with AVX2 each load of a is shared by the four sums (a
 * vector register holds one sum's eight lanes: multiply, then add, as the scalar code). */
static inline void ember_dot4_f32(const float *a, const float *b, int64_t ldb, int64_t k, float out[4]) {
#if defined(__AVX2__) && !defined(EMBER_NO_SIMD)
    __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 av = _mm256_loadu_ps(a + i);
        for (int v = 0; v < 4; v++) s[v] = _mm256_add_ps(s[v], _mm256_mul_ps(av, _mm256_loadu_ps(b + v * ldb + i)));
    }
    for (int v = 0; v < 4; v++) {
        float l[8];
        _mm256_storeu_ps(l, s[v]);
        float acc = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
        for (int64_t j = i; j < k; j++) acc += a[j] * b[v * ldb + j];
        out[v] = acc;
    }
#else
    for (int v = 0; v < 4; v++) out[v] = ember_dot_f32(a, b + v * ldb, k);
#endif
}

/* y[i] += a * x[i] for i < n. The arrays of a valid program do not overlap (the memory
 * plan keeps an op's output apart from its inputs); a hostile file that makes them
 * overlap gets wrong values, never an access outside them. */
static inline void ember_axpy_f32(float *restrict y, float a, const float *restrict x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* numpy's maximum and minimum of floats: a NaN in either operand is the result. */
static inline float ember_max_nan(float a, float b) { return isnan(a) || a > b ? a : b; }
static inline float ember_min_nan(float a, float b) { return isnan(a) || a < b ? a : b; }

/* The fused activation; NaN passes through, as numpy's maximum/clip keep it. */
static inline float ember_activate(float v, int32_t activation) {
    if (activation == EMBER_ACT_RELU) return v < 0.0f ? 0.0f : v;
    if (activation == EMBER_ACT_RELU6) return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    return v;
}

/* ember_activate over a row (ReLU, then ReLU6's upper clamp), as two branch-free passes
 * the compiler vectorises; NaN stays NaN. */
static inline void ember_activate_row(float *y, int64_t n, int32_t activation) {
    if (activation == EMBER_ACT_RELU || activation == EMBER_ACT_RELU6)
        for (int64_t j = 0; j < n; j++) y[j] = y[j] < 0.0f ? 0.0f : y[j];
    if (activation == EMBER_ACT_RELU6)
        for (int64_t j = 0; j < n; j++) y[j] = y[j] > 6.0f ? 6.0f : y[j];
}

/* One row of a binary elementwise op: y[i] = F(a[i * da], b[i * db]) for i < n, da and db
 * 0 or 1 (a broadcast operand repeats its element). One loop per pattern, the repeated
 * element read once, so the compiler vectorises each (a loop over i * da does not). */
#define EMBER_BINARY_ROW(T, a, b, y, n, da, db, F)                               \
    do {                                                                         \
        if ((da) && (db)) {                                                      \
            for (int64_t i_ = 0; i_ < (n); i_++) (y)[i_] = F((a)[i_], (b)[i_]);  \
        } else if (da) {                                                         \
            const T b0_ = (b)[0];                                                \
            for (int64_t i_ = 0; i_ < (n); i_++) (y)[i_] = F((a)[i_], b0_);      \
        } else if (db) {                                                         \
            const T a0_ = (a)[0];                                                \
            for (int64_t i_ = 0; i_ < (n); i_++) (y)[i_] = F(a0_, (b)[i_]);      \
        } else {                                                                 \
            const T v_ = F((a)[0], (b)[0]);                                      \
            for (int64_t i_ = 0; i_ < (n); i_++) (y)[i_] = v_;                   \
        }                                                                        \
    } while (0)

/* The eval of an op whose kernel cannot fail: runs the statement `call` (on the operands a)
 * and returns EMBER_OK. */
#define EMBER_EVAL(fn, call)                                                     \
    static ember_status fn(const ember_op_args *a, ember_error *err) {          \
        (void)err;                                                               \
        call;                                                                    \
        return EMBER_OK;                                                         \
    }

/* A switch on `dtype` running ROW(T, f) for the numeric dtypes (T the C type, f the row's
 * name in a rows struct: f32, i8, u8, i32, i64) and the statement on_bool for BOOL; other
 * dtypes do nothing (the op's check refused them). */
#define EMBER_DTYPE_SWITCH(dtype, ROW, on_bool)                                  \
    switch (dtype) {                                                             \
    case EMBER_DTYPE_FLOAT32: ROW(float, f32); break;                            \
    case EMBER_DTYPE_INT8: ROW(int8_t, i8); break;                               \
    case EMBER_DTYPE_UINT8: ROW(uint8_t, u8); break;                             \
    case EMBER_DTYPE_INT32: ROW(int32_t, i32); break;                            \
    case EMBER_DTYPE_INT64: ROW(int64_t, i64); break;                            \
    case EMBER_DTYPE_BOOL: on_bool; break;                                       \
    default: break;                                                              \
    }

/* Iterate a broadcast elementwise op over out's shape: calls body(i, ia, ib) with
 * the flat output index and the flat input indices. Used by binary/ternary ops. */
typedef struct ember_bcast_iter {
    int rank;
    int64_t shape[EMBER_MAX_RANK];
    int64_t sa[EMBER_MAX_RANK], sb[EMBER_MAX_RANK], sc[EMBER_MAX_RANK];
} ember_bcast_iter;
void ember_bcast_init(ember_bcast_iter *it, const ember_tensor *out, const ember_tensor *a,
                      const ember_tensor *b, const ember_tensor *c);
/* Fills ia/ib/ic (each of out->count entries would be too much memory): instead
 * this helper walks rows. For each run of the innermost dimension it calls
 * fn(ctx, out_offset, a_offset, b_offset, c_offset, n, a_step, b_step, c_step). */
typedef void (*ember_bcast_row_fn)(void *ctx, int64_t o, int64_t a, int64_t b, int64_t c, int64_t n,
                                   int64_t da, int64_t db, int64_t dc);
void ember_bcast_rows(const ember_bcast_iter *it, ember_bcast_row_fn fn, void *ctx);
/* The same calls split over th's tasks (rows, and rows longer than 4096 elements in
 * pieces; a piece is a call with its offsets advanced), for row functions that write
 * only their own outputs; small outputs run as ember_bcast_rows. Each element is
 * computed as in one call, so results do not depend on the thread count. */
void ember_bcast_rows_threads(const ember_bcast_iter *it, ember_bcast_row_fn fn, void *ctx, const ember_threads *th);

#endif /* EMBER_OP_H */
