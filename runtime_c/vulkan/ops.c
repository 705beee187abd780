/* One compute dispatch per operator (one per input for CONCAT): the shader, its variant
 * (specialisation constant), push constants and workgroup grid, from the prepared method's
 * shapes and options (the core's check already verified them at ember_method_init). The
 * op list (ember_vk_op_supported) and the operand dtypes each op accepts (ember_vk_op_check)
 * live here too, so prepare and the tools ask one place. */
#include <stdio.h>

#include "vk_internal.h"

int32_t ember_vk_op_supported(int32_t opcode) {
    switch (opcode) {
    case EMBER_OPCODE_CONV2D: case EMBER_OPCODE_FULLY_CONNECTED: case EMBER_OPCODE_BATCH_MATMUL:
    case EMBER_OPCODE_ADD: case EMBER_OPCODE_SUB: case EMBER_OPCODE_MUL: case EMBER_OPCODE_DIV:
    case EMBER_OPCODE_POW: case EMBER_OPCODE_MAXIMUM: case EMBER_OPCODE_MINIMUM:
    case EMBER_OPCODE_EQUAL: case EMBER_OPCODE_NOT_EQUAL: case EMBER_OPCODE_LESS: case EMBER_OPCODE_LESS_EQUAL:
    case EMBER_OPCODE_GREATER: case EMBER_OPCODE_GREATER_EQUAL:
    case EMBER_OPCODE_LOGICAL_AND: case EMBER_OPCODE_LOGICAL_OR: case EMBER_OPCODE_LOGICAL_NOT:
    case EMBER_OPCODE_WHERE:
    case EMBER_OPCODE_RELU: case EMBER_OPCODE_CLAMP: case EMBER_OPCODE_SIGMOID: case EMBER_OPCODE_TANH:
    case EMBER_OPCODE_GELU: case EMBER_OPCODE_EXP: case EMBER_OPCODE_LOG: case EMBER_OPCODE_SQRT:
    case EMBER_OPCODE_RSQRT: case EMBER_OPCODE_NEG: case EMBER_OPCODE_ABS: case EMBER_OPCODE_ERF:
    case EMBER_OPCODE_HARDSWISH: case EMBER_OPCODE_FLOOR: case EMBER_OPCODE_CEIL:
    case EMBER_OPCODE_SOFTMAX: case EMBER_OPCODE_LAYER_NORM:
    case EMBER_OPCODE_MAX_POOL2D: case EMBER_OPCODE_AVG_POOL2D:
    case EMBER_OPCODE_REDUCE_MEAN: case EMBER_OPCODE_REDUCE_SUM: case EMBER_OPCODE_REDUCE_MAX:
    case EMBER_OPCODE_REDUCE_ANY:
    case EMBER_OPCODE_CONCAT: case EMBER_OPCODE_SLICE: case EMBER_OPCODE_PAD: case EMBER_OPCODE_RESHAPE:
    case EMBER_OPCODE_PERMUTE: case EMBER_OPCODE_EXPAND: case EMBER_OPCODE_GATHER: case EMBER_OPCODE_FULL:
    case EMBER_OPCODE_RESIZE_NEAREST: case EMBER_OPCODE_RESIZE_BILINEAR:
    case EMBER_OPCODE_QUANTIZE: case EMBER_OPCODE_DEQUANTIZE: case EMBER_OPCODE_TABLE_LOOKUP:
    case EMBER_OPCODE_INDEX_COPY: case EMBER_OPCODE_CAST: case EMBER_OPCODE_SIN: case EMBER_OPCODE_COS: return 1;
    default: return 0;
    }
}

/* ---- operand dtypes --------------------------------------------------------------- */
enum { F = 1 << EMBER_DTYPE_FLOAT32, B = 1 << EMBER_DTYPE_BOOL, I32 = 1 << EMBER_DTYPE_INT32,
       I64 = 1 << EMBER_DTYPE_INT64, I8 = 1 << EMBER_DTYPE_INT8, U8 = 1 << EMBER_DTYPE_UINT8 };

/* The ops with an int8 kernel in the C runtime (schema ops.py INT8_OPS) that q8.comp runs. */
static int int8_kernel_op(uint16_t op) {
    switch (op) {
    case EMBER_OPCODE_CONV2D: case EMBER_OPCODE_FULLY_CONNECTED: case EMBER_OPCODE_BATCH_MATMUL:
    case EMBER_OPCODE_ADD: case EMBER_OPCODE_SUB: case EMBER_OPCODE_MUL: case EMBER_OPCODE_AVG_POOL2D:
    case EMBER_OPCODE_MAX_POOL2D: case EMBER_OPCODE_REDUCE_MEAN: case EMBER_OPCODE_CONCAT: case EMBER_OPCODE_PAD:
    case EMBER_OPCODE_SOFTMAX: case EMBER_OPCODE_RELU: case EMBER_OPCODE_CLAMP: case EMBER_OPCODE_SIGMOID:
    case EMBER_OPCODE_TANH: case EMBER_OPCODE_GELU: case EMBER_OPCODE_HARDSWISH: case EMBER_OPCODE_TABLE_LOOKUP:
        return 1;
    default: return 0;
    }
}

/* Operator k runs the int8 kernel (as the C runtime chooses it: a quantized INT8 output
 * and an op with one); 2: byte data movement (PERMUTE, SLICE, EXPAND, GATHER, RESHAPE of
 * INT8); 3: QUANTIZE or DEQUANTIZE; 0: a float (or int32, bool) operator. */
int32_t ember_vk_q8_kind(const ember_method *m, int32_t k) {
    const ember_node *n = &m->nodes[k];
    const ember_tensor *y = &m->tensors[m->indices[n->first + n->n_in]];
    if (n->opcode == EMBER_OPCODE_QUANTIZE || n->opcode == EMBER_OPCODE_DEQUANTIZE) return 3;
    if (y->dtype != EMBER_DTYPE_INT8) return 0;
    if (y->n_scales > 0 && int8_kernel_op(n->opcode)) return 1;
    switch (n->opcode) {
    case EMBER_OPCODE_PERMUTE: case EMBER_OPCODE_SLICE: case EMBER_OPCODE_EXPAND: case EMBER_OPCODE_GATHER:
    case EMBER_OPCODE_RESHAPE: return 2;
    default: return 0;
    }
}

/* The dtypes operand i of an int8 operator may have. */
static int allowed_q8(uint16_t op, int32_t i, int32_t n_in) {
    int out = i >= n_in;
    switch (op) {
    case EMBER_OPCODE_QUANTIZE: return out ? I8 : F;
    case EMBER_OPCODE_DEQUANTIZE: return out ? F : I8;
    case EMBER_OPCODE_CONV2D: case EMBER_OPCODE_FULLY_CONNECTED: return out ? I8 : i == 2 ? I32 : i == 3 ? 0 : I8;
    case EMBER_OPCODE_SOFTMAX: return !out && i == 1 ? I32 : I8;
    case EMBER_OPCODE_GATHER: return !out && i == 1 ? I32 | I64 : I8;
    default: return I8;
    }
}

/* The dtypes operand i (outputs after the n_in inputs) of an op may have, as a bit set. */
static int allowed(uint16_t op, int32_t i, int32_t n_in) {
    int out = i >= n_in;
    switch (op) {
    case EMBER_OPCODE_EQUAL: case EMBER_OPCODE_NOT_EQUAL: case EMBER_OPCODE_LESS: case EMBER_OPCODE_LESS_EQUAL:
    case EMBER_OPCODE_GREATER: case EMBER_OPCODE_GREATER_EQUAL: return out ? B : F;
    case EMBER_OPCODE_LOGICAL_AND: case EMBER_OPCODE_LOGICAL_OR: case EMBER_OPCODE_LOGICAL_NOT: return B;
    case EMBER_OPCODE_WHERE: return i == 0 ? B : F | I32;
    case EMBER_OPCODE_REDUCE_ANY: return out ? B : F | B;
    case EMBER_OPCODE_FULL: return F | B | I32;
    case EMBER_OPCODE_GATHER: return i == 1 ? I32 | I64 : F | I32;
    case EMBER_OPCODE_PERMUTE: case EMBER_OPCODE_SLICE: case EMBER_OPCODE_EXPAND: case EMBER_OPCODE_CONCAT:
        return F | I32;
    case EMBER_OPCODE_RESHAPE: return F | B | I32 | I64;
    case EMBER_OPCODE_INDEX_COPY: return i == 1 ? I32 | I64 : F | I32;
    case EMBER_OPCODE_CAST: return F | I8 | I32 | I64 | B | U8;   /* not FLOAT16, FLOAT64 */
    default: return F;
    }
}

ember_status ember_vk_op_check(const ember_method *m, int32_t k, char *message) {
    const ember_node *n = &m->nodes[k];
    const int32_t *idx = m->indices + n->first;
    int32_t q8 = ember_vk_q8_kind(m, k);
    for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
        if (idx[i] < 0) continue;
        const ember_tensor *t = &m->tensors[idx[i]];
        int ok = q8 ? allowed_q8(n->opcode, i, n->n_in) : allowed(n->opcode, i, n->n_in);
        if (t->dtype >= 31 || !(ok & (1 << t->dtype)))
            return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): %s %d has dtype %d, which the "
                                 "Vulkan backend does not run for this op (int8 runs where the C runtime runs "
                                 "its int8 kernel)", (int)k,
                                 ember_opcode_name(n->opcode), i < n->n_in ? "input" : "output",
                                 (int)(i < n->n_in ? i : i - n->n_in), (int)t->dtype);
    }
    if (n->opcode == EMBER_OPCODE_INDEX_COPY && m->tensors[idx[0]].storage != EMBER_STORAGE_STATE)
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (INDEX_COPY): its destination is not a "
                             "state tensor", (int)k);
    if (q8 == 1 && !n->quant.present && n->opcode != EMBER_OPCODE_SOFTMAX && n->opcode != EMBER_OPCODE_TABLE_LOOKUP &&
        !(n->n_in == 2 && n->opcode >= EMBER_OPCODE_RELU && n->opcode <= EMBER_OPCODE_HARDSWISH))
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): int8 without QuantParams", (int)k,
                             ember_opcode_name(n->opcode));
    /* that inputs and outputs which must agree do is the core's check (ember_method_init) */
    return EMBER_OK;
}

/* ---- grids ------------------------------------------------------------------------ */
/* `count` workgroups over a 2-D grid (x up to the device's limit, then y). */
static ember_status group_grid(const ember_vk_context *ctx, int64_t g, uint32_t groups[3], char *message) {
    int64_t lx = (int64_t)ctx->props.limits.maxComputeWorkGroupCount[0];
    int64_t x = g < lx ? g : lx, y = x > 0 ? (g + x - 1) / x : 0;
    if (y > (int64_t)ctx->props.limits.maxComputeWorkGroupCount[1])
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "%lld workgroups exceed the device's dispatch limits",
                             (long long)g);
    groups[0] = g > 0 ? (uint32_t)x : 0;
    groups[1] = g > 0 ? (uint32_t)y : 0;
    groups[2] = g > 0 ? 1 : 0;
    return EMBER_OK;
}

/* Workgroups of 64 for `total` invocations (flat_index in the shaders). */
static ember_status flat_grid(const ember_vk_context *ctx, int64_t total, uint32_t groups[3], char *message) {
    return group_grid(ctx, (total + EMBER_VK_GROUP - 1) / EMBER_VK_GROUP, groups, message);
}

/* Bytes of tensor t in the arena, rounded up to whole words (a BOOL tensor's last word is
 * its own: every tensor starts on a word and the next one further on). */
static uint64_t word_bytes(const ember_tensor *t) {
    return ((uint64_t)t->count * ember_dtype_size((ember_dtype)t->dtype) + 3) / 4 * 4;
}

/* Where a reference's bytes are for the barriers: the arena's bytes, a state tensor's
 * bytes from 2^40 on (another buffer: never overlapping the arena's). */
static uint64_t space_of(uint32_t ref) {
    return ref & EMBER_VK_STATE_BIT ? ((uint64_t)1 << 40) + (uint64_t)(ref & ~EMBER_VK_STATE_BIT) * 4
                                    : (uint64_t)ref * 4;
}

/* Arena (or state) bytes of tensor t at its reference (none for a constant). */
static void add_read(const ember_method *m, const uint32_t *refs, int32_t t, ember_vk_dispatch *d) {
    if (t < 0 || refs[t] == EMBER_VK_NONE || (refs[t] & EMBER_VK_CONST_BIT) || d->n_reads >= EMBER_MAX_OP_INPUTS)
        return;
    d->read_lo[d->n_reads] = space_of(refs[t]);
    d->read_hi[d->n_reads] = space_of(refs[t]) + word_bytes(&m->tensors[t]);
    d->n_reads++;
}

/* An operator's operands and what its builder fills in. */
typedef struct op_build {
    const ember_vk_context *ctx;
    const ember_method *m;
    const ember_node *n;
    int32_t k, n_in;
    const ember_tensor *in[EMBER_MAX_OP_INPUTS], *y;
    uint32_t ref[EMBER_MAX_OP_INPUTS], yref;   /* EMBER_VK_NONE for an absent input */
    uint32_t status;                           /* the status word (arena word index) */
    uint32_t qref;                             /* int8: its quantization block (constants word) */
    ember_vk_shader shader;
    uint32_t spec;
    int64_t flat;                              /* > 0: invocations of one per output (flat_grid) */
    char *message;
} op_build;

static ember_status too_big(op_build *b, const char *what) {
    return ember_vk_fail(b->message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): %s", (int)b->k,
                         ember_opcode_name(b->n->opcode), what);
}

/* Strides (elements) of t seen at rank `rank` (aligned at the right), 0 where broadcast. */
static void bcast_strides(const ember_tensor *t, int rank, uint32_t *out) {
    int64_t stride = 1, st[EMBER_MAX_RANK];
    for (int d = t->rank - 1; d >= 0; d--) {
        st[d] = t->shape[d] == 1 ? 0 : stride;
        stride *= t->shape[d];
    }
    for (int d = 0; d < rank; d++) {
        int td = d - (rank - t->rank);
        out[d] = td >= 0 ? (uint32_t)st[td] : 0u;
    }
}

/* ---- GEMM: FULLY_CONNECTED and BATCH_MATMUL ------------------------------------------ */
static ember_status gemm_grid(op_build *b, ember_vk_dispatch *d, int64_t M, int64_t N, int64_t batches) {
    const VkPhysicalDeviceLimits *lim = &b->ctx->props.limits;
    int64_t gx = (N + 31) / 32, gy = (M + 31) / 32;
    if (gx > (int64_t)lim->maxComputeWorkGroupCount[0] || gy > (int64_t)lim->maxComputeWorkGroupCount[1] ||
        batches > (int64_t)lim->maxComputeWorkGroupCount[2])
        return too_big(b, "the outputs exceed the device's dispatch limits");
    int empty = M == 0 || N == 0 || batches == 0;
    d->groups[0] = empty ? 0 : (uint32_t)gx;
    d->groups[1] = empty ? 0 : (uint32_t)gy;
    d->groups[2] = empty ? 0 : (uint32_t)batches;
    return EMBER_OK;
}

static ember_status fully_connected(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *w = b->in[1];
    int64_t K = w->shape[1], N = w->shape[0], rows = K > 0 ? x->count / K : b->y->count / (N > 0 ? N : 1);
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_GEMM;
    /* a constant weight is uploaded transposed (K, N); one in the arena (or a view of a
     * constant) is read (N, K) */
    b->spec = (b->ref[1] & EMBER_VK_CONST_BIT) && w->storage == EMBER_STORAGE_CONSTANT ? 0u : 1u;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->n_in > 2 ? b->ref[2] : EMBER_VK_NONE, u[3] = b->yref;
    u[4] = (uint32_t)rows, u[5] = (uint32_t)K, u[6] = (uint32_t)N, u[7] = (uint32_t)b->n->params.act.activation;
    u[8] = 0;
    return gemm_grid(b, d, rows, N, 1);
}

static ember_status batch_matmul(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *w = b->in[1], *y = b->y;
    int rank = y->rank - 2;
    int64_t M = y->shape[y->rank - 2], N = y->shape[y->rank - 1], K = x->shape[x->rank - 1], batches = 1;
    int64_t sa[EMBER_MAX_RANK], sb[EMBER_MAX_RANK];
    uint32_t *u = d->push;
    if (rank > 6) return too_big(b, "more than 6 batch dimensions");
    b->shader = EMBER_VK_SH_GEMM;
    b->spec = 0;
    ember_bmm_batch_strides(x, rank, M * K, sa);
    ember_bmm_batch_strides(w, rank, K * N, sb);
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = EMBER_VK_NONE, u[3] = b->yref;
    u[4] = (uint32_t)M, u[5] = (uint32_t)K, u[6] = (uint32_t)N, u[7] = 0, u[8] = (uint32_t)rank;
    for (int dd = 0; dd < rank; dd++) {
        batches *= y->shape[dd];
        u[9 + dd] = (uint32_t)y->shape[dd], u[15 + dd] = (uint32_t)sa[dd], u[21 + dd] = (uint32_t)sb[dd];
    }
    return gemm_grid(b, d, M, N, batches);
}

/* ---- convolution and pooling ---------------------------------------------------------- */
static ember_status conv2d(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *w = b->in[1], *y = b->y;
    const ember_conv2d_params *p = &b->n->params.conv2d;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_CONV2D;
    b->flat = y->count;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->n_in > 2 ? b->ref[2] : EMBER_VK_NONE;
    u[3] = b->n_in > 3 ? b->ref[3] : EMBER_VK_NONE, u[4] = b->yref;
    u[5] = (uint32_t)x->shape[0], u[6] = (uint32_t)x->shape[1], u[7] = (uint32_t)x->shape[2];
    u[8] = (uint32_t)x->shape[3], u[9] = (uint32_t)w->shape[0], u[10] = (uint32_t)y->shape[2];
    u[11] = (uint32_t)y->shape[3], u[12] = (uint32_t)w->shape[2], u[13] = (uint32_t)w->shape[3];
    u[14] = (uint32_t)p->stride_h, u[15] = (uint32_t)p->stride_w, u[16] = (uint32_t)p->pad_top;
    u[17] = (uint32_t)p->pad_left, u[18] = (uint32_t)p->dilation_h, u[19] = (uint32_t)p->dilation_w;
    u[20] = (uint32_t)p->groups, u[21] = (uint32_t)p->activation, u[22] = (uint32_t)y->count;
    /* the shader's int coordinates: i * stride + kh * dilation stays below 2^31 */
    int64_t reach_h = (y->shape[2] - 1) * (int64_t)p->stride_h + (w->shape[2] - 1) * (int64_t)p->dilation_h;
    int64_t reach_w = (y->shape[3] - 1) * (int64_t)p->stride_w + (w->shape[3] - 1) * (int64_t)p->dilation_w;
    if (reach_h >= INT32_MAX || reach_w >= INT32_MAX) return too_big(b, "a window reaches past 2^31");
    return EMBER_OK;
}

static ember_status pool2d(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    const ember_pool2d_params *p = &b->n->params.pool2d;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_POOL2D;
    b->flat = y->count;
    b->spec = b->n->opcode == EMBER_OPCODE_MAX_POOL2D ? EMBER_VK_POOL_MAX : EMBER_VK_POOL_AVG;
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = (uint32_t)x->shape[2];
    u[4] = (uint32_t)x->shape[3], u[5] = (uint32_t)y->shape[2], u[6] = (uint32_t)y->shape[3];
    u[7] = (uint32_t)p->kernel_h, u[8] = (uint32_t)p->kernel_w, u[9] = (uint32_t)p->stride_h;
    u[10] = (uint32_t)p->stride_w, u[11] = (uint32_t)p->pad_top, u[12] = (uint32_t)p->pad_left;
    u[13] = (uint32_t)p->dilation_h, u[14] = (uint32_t)p->dilation_w, u[15] = (uint32_t)p->count_include_pad;
    u[16] = (uint32_t)(p->divisor > 0 ? p->divisor : 0);
    int64_t reach_h = (y->shape[2] - 1) * (int64_t)p->stride_h + (int64_t)p->kernel_h * p->dilation_h;
    int64_t reach_w = (y->shape[3] - 1) * (int64_t)p->stride_w + (int64_t)p->kernel_w * p->dilation_w;
    if (reach_h >= INT32_MAX || reach_w >= INT32_MAX) return too_big(b, "a window reaches past 2^31");
    return EMBER_OK;
}

/* ---- elementwise ---------------------------------------------------------------------- */
/* The binary ops: each operand's strides at the output's rank, 0 where broadcast; a BOOL
 * output (comparisons, LOGICAL_AND / OR) one word of four per invocation. */
static ember_status binary(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *y = b->y;
    uint32_t *u = d->push;
    int words = y->dtype == EMBER_DTYPE_BOOL;
    b->shader = EMBER_VK_SH_BINARY;
    b->spec = b->n->opcode;
    b->flat = words ? (y->count + 3) / 4 : y->count;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->yref, u[3] = (uint32_t)b->flat;
    u[4] = words ? 0u : (uint32_t)b->n->params.act.activation, u[5] = (uint32_t)y->rank;
    for (int dd = 0; dd < y->rank; dd++) u[6 + dd] = (uint32_t)y->shape[dd];
    bcast_strides(b->in[0], y->rank, u + 14);
    bcast_strides(b->in[1], y->rank, u + 22);
    u[30] = (uint32_t)y->count;
    return EMBER_OK;
}

static ember_status where(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *y = b->y;
    uint32_t *u = d->push;
    if (y->rank > 6) return too_big(b, "rank above 6");
    b->shader = EMBER_VK_SH_WHERE;
    b->flat = y->count;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->ref[2], u[3] = b->yref, u[4] = (uint32_t)y->count;
    u[5] = (uint32_t)y->rank;
    for (int dd = 0; dd < y->rank; dd++) u[6 + dd] = (uint32_t)y->shape[dd];
    for (int o = 0; o < 3; o++) bcast_strides(b->in[o], y->rank, u + 12 + 6 * o);
    return EMBER_OK;
}

static uint32_t float_bits(float f) {
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    return v;
}

static ember_status unary(op_build *b, ember_vk_dispatch *d) {
    uint16_t op = b->n->opcode;
    b->shader = EMBER_VK_SH_UNARY;
    b->spec = op == EMBER_OPCODE_GELU && b->n->params.gelu.tanh_approximation ? 256u + op : op;
    b->flat = op == EMBER_OPCODE_LOGICAL_NOT ? (b->y->count + 3) / 4 : b->y->count;
    d->push[0] = b->ref[0], d->push[1] = b->yref, d->push[2] = (uint32_t)b->flat;
    if (op == EMBER_OPCODE_CLAMP)
        d->push[3] = float_bits(b->n->params.clamp.min), d->push[4] = float_bits(b->n->params.clamp.max);
    return EMBER_OK;
}

/* CAST (cast.comp): one invocation per output word (four elements of a byte-wide output,
 * one of a 4-byte output, one element of two words for INT64). */
static ember_status cast(op_build *b, ember_vk_dispatch *d) {
    uint8_t src = b->in[0]->dtype, dst = b->y->dtype;
    int64_t n = b->y->count;
    b->shader = EMBER_VK_SH_CAST;
    b->spec = (uint32_t)src * 8u + dst;
    b->flat = dst == EMBER_DTYPE_INT8 || dst == EMBER_DTYPE_UINT8 || dst == EMBER_DTYPE_BOOL ? (n + 3) / 4 : n;
    d->push[0] = b->ref[0], d->push[1] = b->yref, d->push[2] = (uint32_t)b->flat, d->push[3] = (uint32_t)n;
    return EMBER_OK;
}

/* ---- rows and reductions ----------------------------------------------------------------- */
/* SOFTMAX and LAYER_NORM: one workgroup per row. */
static ember_status rows(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0];
    int64_t outer = 1, len = 1, inner = 1;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_ROWS;
    b->spec = b->n->opcode;
    if (b->n->opcode == EMBER_OPCODE_SOFTMAX) {
        ember_axis_rows r = ember_axis_split(x, b->n->params.axis.axis);
        outer = r.outer, len = r.len, inner = r.inner;
        u[5] = u[6] = EMBER_VK_NONE;
    } else {
        for (int dd = 0; dd < b->n->params.layer_norm.axis; dd++) outer *= x->shape[dd];
        for (int dd = b->n->params.layer_norm.axis; dd < x->rank; dd++) len *= x->shape[dd];
        u[5] = b->n_in > 1 ? b->ref[1] : EMBER_VK_NONE, u[6] = b->n_in > 2 ? b->ref[2] : EMBER_VK_NONE;
        u[7] = float_bits(b->n->params.layer_norm.epsilon);
    }
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)(outer * inner), u[3] = (uint32_t)len, u[4] = (uint32_t)inner;
    if (len == 0 || inner == 0) return group_grid(b->ctx, 0, d->groups, b->message);
    return group_grid(b->ctx, outer * inner, d->groups, b->message);
}

static ember_status reduce(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0];
    ember_reduce_shape s;
    uint32_t *u = d->push;
    ember_reduce_split(x, &b->n->params.reduce, &s);
    int any = b->n->opcode == EMBER_OPCODE_REDUCE_ANY;
    b->shader = EMBER_VK_SH_REDUCE;
    b->spec = any && x->dtype == EMBER_DTYPE_BOOL ? 256u + b->n->opcode : b->n->opcode;
    b->flat = any ? (s.outer + 3) / 4 : s.outer;
    if (7 + 2 * (s.n_keep + s.n_red) > EMBER_VK_PUSH_WORDS) return too_big(b, "too many dimensions");
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)b->flat, u[3] = (uint32_t)s.outer, u[4] = (uint32_t)s.count;
    u[5] = (uint32_t)s.n_keep, u[6] = (uint32_t)s.n_red;
    uint32_t *p = u + 7;
    for (int i = 0; i < s.n_keep; i++) p[i] = (uint32_t)s.keep[i], p[s.n_keep + i] = (uint32_t)s.keep_stride[i];
    p += 2 * s.n_keep;
    for (int i = 0; i < s.n_red; i++) p[i] = (uint32_t)s.red[i], p[s.n_red + i] = (uint32_t)s.red_stride[i];
    return EMBER_OK;
}

/* ---- data movement ------------------------------------------------------------------------- */
/* PERMUTE, SLICE, EXPAND: y[i] = x[base + sum c_d s_d] (copy.comp OP 0). */
static ember_status strided(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    uint32_t *u = d->push, st[EMBER_MAX_RANK];
    int64_t xs[EMBER_MAX_RANK], s = 1, base = 0;
    b->shader = EMBER_VK_SH_COPY;
    b->spec = 0;
    b->flat = y->count;
    for (int dd = x->rank - 1; dd >= 0; dd--) xs[dd] = s, s *= x->shape[dd];
    if (b->n->opcode == EMBER_OPCODE_PERMUTE) {
        for (int dd = 0; dd < y->rank; dd++) st[dd] = (uint32_t)xs[b->n->params.permute.perm[dd]];
    } else if (b->n->opcode == EMBER_OPCODE_SLICE) {
        const ember_slice_params *p = &b->n->params.slice;
        for (int dd = 0; dd < y->rank; dd++) st[dd] = (uint32_t)xs[dd];
        st[p->axis] = (uint32_t)(xs[p->axis] * p->step);
        base = p->start * xs[p->axis];
    } else {
        bcast_strides(x, y->rank, st);
    }
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = (uint32_t)y->rank, u[4] = (uint32_t)base;
    for (int dd = 0; dd < y->rank; dd++) u[5 + dd] = (uint32_t)y->shape[dd], u[13 + dd] = st[dd];
    return EMBER_OK;
}

static ember_status pad(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_COPY;
    b->spec = 2;
    b->flat = y->count;
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = (uint32_t)y->rank;
    u[4] = float_bits(b->n->params.pad.value);
    for (int dd = 0; dd < y->rank; dd++) {
        u[5 + dd] = (uint32_t)y->shape[dd];
        u[13 + dd] = (uint32_t)b->n->params.pad.pads[2 * dd];
        u[21 + dd] = (uint32_t)x->shape[dd];
    }
    return EMBER_OK;
}

static ember_status gather(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *ix = b->in[1], *y = b->y;
    int axis = b->n->params.axis.axis;
    int64_t inner = 1;
    uint32_t *u = d->push;
    for (int dd = axis + 1; dd < x->rank; dd++) inner *= x->shape[dd];
    b->shader = EMBER_VK_SH_COPY;
    b->spec = 3;
    b->flat = y->count;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->yref, u[3] = (uint32_t)y->count, u[4] = (uint32_t)ix->count;
    u[5] = (uint32_t)inner, u[6] = (uint32_t)x->shape[axis], u[7] = ix->dtype == EMBER_DTYPE_INT64;
    u[8] = b->status, u[9] = (uint32_t)b->k;
    if (inner == 0 || ix->count == 0) b->flat = 0;
    return EMBER_OK;
}

static ember_status full(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *y = b->y;
    double v = b->n->params.full.value;
    uint32_t word;
    if (y->dtype == EMBER_DTYPE_FLOAT32) word = float_bits((float)v);
    else if (y->dtype == EMBER_DTYPE_BOOL) word = v != 0.0 ? 0x01010101u : 0u;
    else word = v > -2147483649.0 && v < 2147483648.0 ? (uint32_t)(int32_t)v : 0x80000000u;
    b->shader = EMBER_VK_SH_COPY;
    b->spec = 4;
    b->flat = (int64_t)(word_bytes(y) / 4);
    d->push[1] = b->yref, d->push[2] = (uint32_t)b->flat, d->push[3] = word;
    return EMBER_OK;
}

static ember_status resize(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    const ember_resize_params *p = &b->n->params.resize;
    int64_t h = x->shape[2], w = x->shape[3], oh = y->shape[2], ow = y->shape[3];
    int bilinear = b->n->opcode == EMBER_OPCODE_RESIZE_BILINEAR, ac = bilinear && p->align_corners;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_RESIZE;
    b->spec = b->n->opcode;
    b->flat = y->count;
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = (uint32_t)h, u[4] = (uint32_t)w;
    u[5] = (uint32_t)oh, u[6] = (uint32_t)ow, u[9] = (uint32_t)ac;
    if (ac) {
        u[7] = float_bits(oh > 1 ? (float)((double)(h - 1) / (double)(oh - 1)) : 0.0f);
        u[8] = float_bits(ow > 1 ? (float)((double)(w - 1) / (double)(ow - 1)) : 0.0f);
    } else {
        u[7] = float_bits(ember_resize_scale(p->scale_h, h, oh));
        u[8] = float_bits(ember_resize_scale(p->scale_w, w, ow));
    }
    return EMBER_OK;
}

/* CONCAT: one dispatch per non-empty input into its columns of y (copy.comp OP 1); they
 * write disjoint elements, so no barrier between them. Returns the count in *count. */
static ember_status concat(op_build *b, const uint32_t *refs, ember_vk_dispatch *d, int32_t capacity,
                           int32_t *count) {
    const ember_tensor *y = b->y;
    int axis = b->n->params.axis.axis;
    int64_t outer = 1, inner = 1, at = 0;
    for (int dd = 0; dd < axis; dd++) outer *= y->shape[dd];
    for (int dd = axis + 1; dd < y->rank; dd++) inner *= y->shape[dd];
    *count = 0;
    for (int32_t t = 0; t < b->n_in; t++) {
        int64_t row = b->in[t]->shape[axis] * inner;
        ember_vk_dispatch *e = &d[*count];
        if (row == 0 || outer == 0) continue;
        if (*count >= capacity) return too_big(b, "more dispatches than planned");
        memset(e, 0, sizeof *e);
        e->op = b->k;
        e->disjoint = 1;
        e->push[0] = b->ref[t], e->push[1] = b->yref, e->push[2] = (uint32_t)(outer * row), e->push[3] = (uint32_t)row;
        e->push[4] = (uint32_t)(y->shape[axis] * inner), e->push[5] = (uint32_t)at;
        at += row;
        ember_status s = flat_grid(b->ctx, outer * row, e->groups, b->message);
        if (s != EMBER_OK) return s;
        add_read(b->m, refs, b->m->indices[b->n->first + t], e);
        e->write_lo = (uint64_t)b->yref * 4;
        e->write_hi = e->write_lo + word_bytes(y);
        if (y->dtype == EMBER_DTYPE_INT8) {   /* requantized (or copied) bytes */
            const ember_tensor *x = b->in[t];
            int quantized = y->n_scales > 0 && b->n->quant.present;
            e->push[6] = b->qref, e->push[7] = (uint32_t)t, e->push[8] = (uint32_t)x->zero_point;
            e->push[9] = (uint32_t)quantized;
            if (quantized && b->n->quant.n != b->n_in) return too_big(b, "int8 CONCAT without a multiplier per input");
            s = ember_vk_pipeline_get((ember_vk_context *)b->ctx, EMBER_VK_SH_Q8, EMBER_VK_Q8_CONCAT, &e->pipeline);
        } else {
            s = ember_vk_pipeline_get((ember_vk_context *)b->ctx, EMBER_VK_SH_COPY, 1, &e->pipeline);
        }
        if (s != EMBER_OK) return s;
        (*count)++;
    }
    return EMBER_OK;
}

/* ---- int8 (q8.comp) ------------------------------------------------------------------------- */
static ember_status index_copy(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *dst = b->in[0], *ix = b->in[1], *src = b->in[2];
    int axis = b->n->params.axis.axis;
    int64_t inner = 1;
    uint32_t *u = d->push;
    for (int dd = axis + 1; dd < dst->rank; dd++) inner *= dst->shape[dd];
    inner = inner * ember_dtype_size((ember_dtype)dst->dtype) / 4;   /* words: FLOAT32, INT32 */
    b->shader = EMBER_VK_SH_COPY;
    b->spec = EMBER_VK_COPY_INDEX;
    b->flat = src->count;
    if (ix->count > 4096) return too_big(b, "more than 4096 positions");
    u[0] = b->ref[2], u[1] = b->ref[1], u[2] = b->ref[0], u[3] = (uint32_t)src->count, u[4] = (uint32_t)ix->count;
    u[5] = (uint32_t)inner, u[6] = (uint32_t)dst->shape[axis], u[7] = ix->dtype == EMBER_DTYPE_INT64;
    u[8] = b->status, u[9] = (uint32_t)b->k;
    if (inner == 0 || ix->count == 0) b->flat = 0;
    return EMBER_OK;
}

static ember_status q8_build(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    uint16_t op = b->n->opcode;
    uint32_t *u = d->push;
    ember_status s = EMBER_OK;
    switch (op) {
    case EMBER_OPCODE_QUANTIZE: case EMBER_OPCODE_DEQUANTIZE: {
        const ember_tensor *q = op == EMBER_OPCODE_QUANTIZE ? y : x;
        b->spec = op == EMBER_OPCODE_QUANTIZE ? EMBER_VK_Q8_QUANTIZE : EMBER_VK_Q8_DEQUANTIZE;
        b->flat = y->count;
        u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = float_bits(q->scale);
        u[4] = (uint32_t)q->zero_point;
        break;
    }
    case EMBER_OPCODE_CONV2D:
        s = conv2d(b, d);
        b->spec = EMBER_VK_Q8_CONV2D;
        u[3] = EMBER_VK_NONE, u[23] = b->qref;
        break;
    case EMBER_OPCODE_FULLY_CONNECTED: {
        const ember_tensor *w = b->in[1];
        int64_t K = w->shape[1], N = w->shape[0];
        b->spec = EMBER_VK_Q8_FC;
        b->flat = y->count;
        u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->n_in > 2 ? b->ref[2] : EMBER_VK_NONE, u[3] = b->yref;
        u[4] = (uint32_t)(K > 0 ? x->count / K : 0), u[5] = (uint32_t)K, u[6] = (uint32_t)N, u[7] = b->qref;
        u[8] = (uint32_t)y->count;
        break;
    }
    case EMBER_OPCODE_BATCH_MATMUL: {
        s = batch_matmul(b, d);
        memset(d->groups, 0, sizeof d->groups);
        b->spec = EMBER_VK_Q8_BMM;
        b->flat = y->count;
        u[7] = b->qref, u[27] = (uint32_t)y->count;
        break;
    }
    case EMBER_OPCODE_ADD: case EMBER_OPCODE_SUB: case EMBER_OPCODE_MUL:
        s = binary(b, d);
        b->spec = op == EMBER_OPCODE_MUL ? EMBER_VK_Q8_MUL : EMBER_VK_Q8_ADD_SUB;
        u[4] = b->qref, u[31] = op == EMBER_OPCODE_SUB ? 0xffffffffu : 1u;
        if (op != EMBER_OPCODE_MUL && (b->n->quant.left_shift < 0 || b->n->quant.left_shift > 20))
            return too_big(b, "int8 left_shift outside [0, 20]");
        break;
    case EMBER_OPCODE_MAX_POOL2D: case EMBER_OPCODE_AVG_POOL2D:
        s = pool2d(b, d);
        b->spec = op == EMBER_OPCODE_MAX_POOL2D ? EMBER_VK_Q8_MAX_POOL : EMBER_VK_Q8_AVG_POOL;
        u[17] = b->qref;
        break;
    case EMBER_OPCODE_REDUCE_MEAN: {
        ember_reduce_shape r;
        ember_reduce_split(x, &b->n->params.reduce, &r);
        if (7 + 2 * (r.n_keep + r.n_red) > EMBER_VK_PUSH_WORDS - 1) return too_big(b, "too many dimensions");
        s = reduce(b, d);
        b->spec = EMBER_VK_Q8_MEAN;
        u[31] = b->qref;
        break;
    }
    case EMBER_OPCODE_SOFTMAX: {
        ember_axis_rows r = ember_axis_split(x, b->n->params.axis.axis);
        b->spec = EMBER_VK_Q8_SOFTMAX;
        b->flat = r.len > 0 ? r.outer * r.inner : 0;
        u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->yref, u[3] = (uint32_t)(r.outer * r.inner);
        u[4] = (uint32_t)r.len, u[5] = (uint32_t)r.inner, u[6] = (uint32_t)y->zero_point;
        break;
    }
    case EMBER_OPCODE_PERMUTE: case EMBER_OPCODE_SLICE: case EMBER_OPCODE_EXPAND:
        s = strided(b, d);
        b->spec = EMBER_VK_Q8_STRIDED;
        break;
    case EMBER_OPCODE_PAD:
        s = pad(b, d);
        b->spec = EMBER_VK_Q8_PAD;
        u[4] = (uint32_t)b->n->quant.fill;
        break;
    case EMBER_OPCODE_GATHER:
        s = gather(b, d);
        b->spec = EMBER_VK_Q8_GATHER;
        break;
    default:   /* the table ops: y = table[x + 128] */
        if (b->n_in < 2) return too_big(b, "an int8 table op without its table");
        b->spec = EMBER_VK_Q8_LOOKUP;
        b->flat = y->count;
        u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->yref, u[3] = (uint32_t)y->count;
        break;
    }
    b->shader = EMBER_VK_SH_Q8;
    return s;
}

/* ---- the dispatch of one operator --------------------------------------------------------- */
static ember_status build(op_build *b, ember_vk_dispatch *d) {
    if (ember_vk_q8_kind(b->m, b->k) != 0) return q8_build(b, d);
    switch (b->n->opcode) {
    case EMBER_OPCODE_INDEX_COPY: return index_copy(b, d);
    case EMBER_OPCODE_CAST: return cast(b, d);
    case EMBER_OPCODE_FULLY_CONNECTED: return fully_connected(b, d);
    case EMBER_OPCODE_BATCH_MATMUL: return batch_matmul(b, d);
    case EMBER_OPCODE_CONV2D: return conv2d(b, d);
    case EMBER_OPCODE_MAX_POOL2D: case EMBER_OPCODE_AVG_POOL2D: return pool2d(b, d);
    case EMBER_OPCODE_ADD: case EMBER_OPCODE_SUB: case EMBER_OPCODE_MUL: case EMBER_OPCODE_DIV:
    case EMBER_OPCODE_POW: case EMBER_OPCODE_MAXIMUM: case EMBER_OPCODE_MINIMUM:
    case EMBER_OPCODE_EQUAL: case EMBER_OPCODE_NOT_EQUAL: case EMBER_OPCODE_LESS: case EMBER_OPCODE_LESS_EQUAL:
    case EMBER_OPCODE_GREATER: case EMBER_OPCODE_GREATER_EQUAL:
    case EMBER_OPCODE_LOGICAL_AND: case EMBER_OPCODE_LOGICAL_OR: return binary(b, d);
    case EMBER_OPCODE_WHERE: return where(b, d);
    case EMBER_OPCODE_SOFTMAX: case EMBER_OPCODE_LAYER_NORM: return rows(b, d);
    case EMBER_OPCODE_REDUCE_MEAN: case EMBER_OPCODE_REDUCE_SUM: case EMBER_OPCODE_REDUCE_MAX:
    case EMBER_OPCODE_REDUCE_ANY: return reduce(b, d);
    case EMBER_OPCODE_PERMUTE: case EMBER_OPCODE_SLICE: case EMBER_OPCODE_EXPAND: return strided(b, d);
    case EMBER_OPCODE_PAD: return pad(b, d);
    case EMBER_OPCODE_GATHER: return gather(b, d);
    case EMBER_OPCODE_FULL: return full(b, d);
    case EMBER_OPCODE_RESIZE_NEAREST: case EMBER_OPCODE_RESIZE_BILINEAR: return resize(b, d);
    default:
        if (ember_vk_op_supported(b->n->opcode)) return unary(b, d);
        return ember_vk_fail(b->message, EMBER_ERR_UNSUPPORTED, "operator %d: op %s does not run on the Vulkan "
                             "backend", (int)b->k, ember_opcode_name(b->n->opcode));
    }
}

int32_t ember_vk_op_dispatches(const ember_method *m, int32_t k) {
    const ember_node *n = &m->nodes[k];
    return n->opcode == EMBER_OPCODE_RESHAPE ? 0 : n->opcode == EMBER_OPCODE_CONCAT ? n->n_in : 1;
}

ember_status ember_vk_op_dispatch(ember_vk_context *ctx, const ember_method *m, int32_t k, const uint32_t *refs,
                                  uint32_t qref, uint32_t status_word, ember_vk_dispatch *d, int32_t capacity,
                                  int32_t *dispatches, char *message) {
    op_build b;
    const ember_node *n = &m->nodes[k];
    const int32_t *idx = m->indices + n->first;
    memset(&b, 0, sizeof b);
    *dispatches = 0;
    b.ctx = ctx, b.m = m, b.n = n, b.k = k, b.message = message, b.status = status_word, b.qref = qref;
    b.n_in = n->n_in < EMBER_MAX_OP_INPUTS ? n->n_in : EMBER_MAX_OP_INPUTS;
    for (int32_t i = 0; i < b.n_in; i++) {
        b.in[i] = idx[i] >= 0 ? &m->tensors[idx[i]] : NULL;
        b.ref[i] = idx[i] >= 0 ? refs[idx[i]] : EMBER_VK_NONE;
    }
    b.y = &m->tensors[idx[n->n_in]];
    b.yref = refs[idx[n->n_in]];
    if (n->opcode == EMBER_OPCODE_RESHAPE) return EMBER_OK;   /* a view: the output shares the reference */
    if (n->opcode == EMBER_OPCODE_CONCAT) return concat(&b, refs, d, capacity, dispatches);
    if (capacity < 1) return too_big(&b, "more dispatches than planned");
    memset(d, 0, sizeof *d);
    d->op = k;
    ember_status s = build(&b, d);
    if (s == EMBER_OK && b.flat > 0) s = flat_grid(ctx, b.flat, d->groups, message);
    if (s != EMBER_OK) return s;
    if (d->groups[0] == 0) return EMBER_OK;   /* nothing to compute */
    for (int32_t i = 0; i < b.n_in; i++) add_read(m, refs, idx[i], d);
    d->write_lo = space_of(b.yref);
    d->write_hi = d->write_lo + word_bytes(b.y);
    *dispatches = 1;
    return ember_vk_pipeline_get(ctx, b.shader, b.spec, &d->pipeline);
}
