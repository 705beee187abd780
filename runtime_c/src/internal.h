/* Internal types shared by the loader, the method and the op adapters. */
#ifndef EMBER_INTERNAL_H
#define EMBER_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ember.h"
#include "schema.h"   /* generated: the schema's enums, field ids and defaults */

#define EMBER_MAX_ELEMENTS (((int64_t)1) << 40)
/* The most arena tensors a method may use: init checks the memory plan pairwise (method.c
 * check_plan). The Python loader has the same limit (MAX_PLANNED_TENSORS). */
#define EMBER_MAX_PLANNED_TENSORS 16384

/* Tensor.layout (schema.h): PANELS16 is a FLOAT32 (N, K) weight of FULLY_CONNECTED stored as
 * whole groups of 16 rows transposed to (K, 16), then the last N % 16 rows row-major
 * (schema/program.fbs); the GEMM reads its panels in place. */

/* Decoded options: one struct per options table, plain values only. */
typedef struct { int32_t stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right,
                 dilation_h, dilation_w, groups, activation; } ember_conv2d_params;
typedef struct { int32_t activation, dynamic_quantization; } ember_activation_params;
typedef struct { float min, max; } ember_clamp_params;
typedef struct { int32_t tanh_approximation; } ember_gelu_params;
typedef struct { int32_t axis; } ember_axis_params;
typedef struct { int32_t axes[EMBER_MAX_RANK]; int32_t n_axes; int32_t keep_dims; } ember_reduce_params;
typedef struct { int32_t axis; float epsilon; } ember_layer_norm_params;
typedef struct { int32_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, pad_bottom,
                 pad_right, dilation_h, dilation_w, count_include_pad, divisor; } ember_pool2d_params;
typedef struct { int32_t axis; int64_t start, step; } ember_slice_params;
typedef struct { int64_t pads[2 * EMBER_MAX_RANK]; int32_t n_pads; float value; } ember_pad_params;
typedef struct { int32_t perm[EMBER_MAX_RANK]; int32_t n_perm; } ember_permute_params;
typedef struct { double start, step; } ember_arange_params;
typedef struct { double value; } ember_full_params;
typedef struct { int32_t align_corners; float scale_h, scale_w; } ember_resize_params;
typedef struct { int32_t axis, reduction; } ember_scatter_params;            /* EMBER_REDUCTION_* */
typedef struct { int32_t axis, keep_dims, select_last_index; } ember_arg_params;
typedef struct { int32_t axis, largest; } ember_topk_params;
typedef struct { int32_t mode, padding, align_corners; } ember_grid_sample_params;  /* EMBER_SAMPLE_* */

typedef union ember_params {
    ember_conv2d_params conv2d;
    ember_activation_params act;     /* FullyConnectedOptions, BinaryOptions */
    ember_clamp_params clamp;
    ember_gelu_params gelu;
    ember_axis_params axis;
    ember_reduce_params reduce;
    ember_layer_norm_params layer_norm;
    ember_pool2d_params pool2d;
    ember_slice_params slice;
    ember_pad_params pad;
    ember_permute_params permute;
    ember_arange_params arange;
    ember_full_params full;
    ember_resize_params resize;
    ember_scatter_params scatter;
    ember_arg_params arg;
    ember_topk_params topk;
    ember_grid_sample_params grid_sample;
} ember_params;

/* A tensor of a method at run time. */
typedef struct ember_tensor {
    void *data;                      /* where it is read and written now */
    void *home;                      /* its planned place: arena, constant segment or state memory */
    int64_t shape[EMBER_MAX_RANK];   /* current shape (the maximum until symbols are bound) */
    int64_t count;                   /* elements at the current shape */
    uint64_t max_nbytes;             /* bytes at the maximum shape (the planned region) */
    uint32_t dims;                   /* file offset of the DimExpr vector; 0 when static */
    uint32_t programs, n_programs;   /* its dim_programs vector (schema 2.2); 0 when absent */
    uint32_t shape_pos;              /* file offset of its declared (maximum) shape */
    uint32_t name;                   /* file offset of the name string; 0 when absent */
    uint8_t dtype, rank, storage, bound;  /* bound: an input pointing at caller memory */
    uint8_t quantized;               /* per-tensor quantization: scale and zero_point are set */
    int32_t zero_point;
    float scale;
    const uint8_t *scales;           /* all its scales (little-endian float32) in the file, or NULL */
    int32_t n_scales;                /* 0: not quantized; 1 per tensor, or one per channel along quant_axis */
    int8_t quant_axis;
    uint8_t asymmetric;              /* some zero point is not 0 */
    uint8_t layout;                  /* EMBER_LAYOUT_*; ROW_MAJOR but for packed constant weights */
    int32_t live_first, live_last;   /* ops that first write and last read it (-1: an input; */
    int32_t alias;                   /* n_nodes: an output); the tensor whose storage it shares */
    uint64_t state_offset;           /* a STATE tensor's offset in the state memory (schema 2.4) */
} ember_tensor;

static inline float ember_scale_at(const ember_tensor *t, int64_t i) {
    const uint8_t *b = t->scales + 4 * (size_t)(t->n_scales == 1 ? 0 : i);
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* An int8 operator's integer constants (QuantParams in the file). The vectors
 * point into the verified file: multipliers little-endian int32 (read with
 * ember_q_at), shifts int8 (ember_q_shift). */
typedef struct ember_quant {
    const uint8_t *multiplier, *shift;
    int32_t n;                       /* entries in each vector */
    int32_t act_min, act_max, left_shift, fill;
    int32_t present;                 /* the operator has a QuantParams table */
} ember_quant;

static inline int32_t ember_q_shift(const ember_quant *q, int32_t i) { return (int32_t)(int8_t)q->shift[i]; }

static inline int32_t ember_q_at(const uint8_t *v, int32_t i) {
    const uint8_t *b = v + 4 * (size_t)i;
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

/* How a kernel may split its work (ember_method_set_threads): `n` tasks at most, run
 * through parallel_for; task t uses scratch slice t (scratch + t * scratch_stride,
 * 64-byte aligned, scratch_bytes each). n = 1: run on the caller's thread, slice 0. */
typedef struct ember_threads {
    int32_t n;
    ember_parallel_for_fn parallel_for;
    void *pool;
    uint8_t *scratch;
    size_t scratch_stride, scratch_bytes;
} ember_threads;

/* Runs task(ctx, t) for t < count (count <= th->n) through th's parallel-for, or in
 * order on this thread when count is 1 or th has one task. */
static inline void ember_threads_run(const ember_threads *th, int32_t count, ember_task_fn task, void *ctx) {
    if (count <= 1 || th == NULL || th->n <= 1 || th->parallel_for == NULL) {
        for (int32_t t = 0; t < count; t++) task(ctx, t);
        return;
    }
    th->parallel_for(th->pool, count, task, ctx);
}
static inline void *ember_threads_scratch(const ember_threads *th, int32_t t) {
    return th->scratch != NULL ? th->scratch + (size_t)t * th->scratch_stride : NULL;
}

/* What an op adapter sees: its operands (absent optional inputs are NULL). */
typedef struct ember_op_args {
    const ember_tensor *in[EMBER_MAX_OP_INPUTS];
    int32_t n_in;
    ember_tensor *out;
    const ember_params *p;
    const ember_quant *q;            /* int8 operators and QUANTIZE / DEQUANTIZE */
    void *scratch;                   /* the method's kernel scratch (64-byte aligned), or NULL */
    size_t scratch_bytes;            /* planned from the file: ember_method_plan */
    const ember_threads *threads;    /* tasks the kernel may split into (scratch slice 0 is `scratch`) */
} ember_op_args;

/* An error message buffer and the formatting helper every check uses. */
typedef struct ember_error { char *text; size_t size; } ember_error;
ember_status ember_fail(ember_error *err, ember_status status, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* An op input as the file declares it, before any tensor exists (ember_op_impl.scratch).
 * Its shape is read from the file as it stands: sizes may be symbolic maxima or, in a
 * hostile file, anything an int64 holds. */
typedef struct ember_operand {
    uint8_t dtype;
    int32_t rank;                    /* <= EMBER_MAX_RANK */
    int64_t shape[EMBER_MAX_RANK];
} ember_operand;
/* The inputs an op's scratch may look at: the first 4 (CONV2D's x, weight, bias, residual). */
#define EMBER_SCRATCH_INPUTS 4

/* One op: `check` validates operand dtypes, shapes and options at the current
 * shapes (init, and again when dynamic sizes change); `eval` then runs blind,
 * failing only on data-dependent errors. `scratch` (NULL: none) says how many bytes of
 * kernel scratch the op's kernels (float and int8) need, from its first n_in inputs as
 * the file declares them (in[p] NULL where input p is absent or unreadable): the method
 * plans the largest over its ops (ember_method_plan). It must accept any sizes. */
typedef struct ember_op_impl {
    const char *name;
    ember_status (*check)(const ember_op_args *a, ember_error *err);
    ember_status (*eval)(const ember_op_args *a, ember_error *err);
    uint64_t (*scratch)(const ember_operand *const *in, int32_t n_in);
} ember_op_impl;

/* The dispatch table, indexed by op code; NULL where the build omits an op. */
const ember_op_impl *ember_op_lookup(uint32_t opcode);
/* The int8 kernel of an op (run when its output is INT8); NULL when it has none
 * or the build omits it. */
const ember_op_impl *ember_op_lookup_int8(uint32_t opcode);
const char *ember_opcode_name(uint32_t opcode);

#endif /* EMBER_INTERNAL_H */
