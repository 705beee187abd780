/* One compute dispatch per operator: the shader, its variant (specialisation constant),
 * push constants and workgroup grid, from the prepared method's shapes and options (the
 * core's check already verified them at ember_method_init). */
#include <stdio.h>

#include "vk_internal.h"

int ember_vk_op_supported(uint16_t opcode) {
    switch (opcode) {
    case EMBER_OPCODE_FULLY_CONNECTED:
    case EMBER_OPCODE_CONV2D:
    case EMBER_OPCODE_ADD:
    case EMBER_OPCODE_SUB:
    case EMBER_OPCODE_MUL:
    case EMBER_OPCODE_DIV:
    case EMBER_OPCODE_RELU:
    case EMBER_OPCODE_TANH:
    case EMBER_OPCODE_MAX_POOL2D:
    case EMBER_OPCODE_AVG_POOL2D:
    case EMBER_OPCODE_RESHAPE: return 1;
    default: return 0;
    }
}

/* A 2-D grid of workgroups of 64 for `total` invocations (flat_index in the shaders). */
static ember_status flat_grid(const ember_vk_context *ctx, int64_t total, uint32_t groups[3], char *message) {
    int64_t g = (total + EMBER_VK_GROUP - 1) / EMBER_VK_GROUP;
    int64_t x = g < (int64_t)ctx->props.limits.maxComputeWorkGroupCount[0] ? g
                                                                           : (int64_t)ctx->props.limits.maxComputeWorkGroupCount[0];
    int64_t y = x > 0 ? (g + x - 1) / x : 0;
    if (y > (int64_t)ctx->props.limits.maxComputeWorkGroupCount[1])
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "%lld outputs need more workgroups than the device's "
                             "dispatch limits", (long long)total);
    groups[0] = (uint32_t)x;
    groups[1] = (uint32_t)(y > 0 ? y : 1);
    groups[2] = 1;
    if (g == 0) groups[0] = groups[1] = 0;
    return EMBER_OK;
}

/* Arena bytes of tensor t at its reference (none for a constant). */
static void add_read(const ember_method *m, const uint32_t *refs, int32_t t, ember_vk_dispatch *d) {
    if (t < 0 || refs[t] == EMBER_VK_NONE || (refs[t] & EMBER_VK_CONST_BIT)) return;
    d->read_lo[d->n_reads] = (uint64_t)refs[t] * 4;
    d->read_hi[d->n_reads] = (uint64_t)refs[t] * 4 + (uint64_t)m->tensors[t].count * 4;
    d->n_reads++;
}

/* An operator's operands and what its builder fills in. */
typedef struct op_build {
    const ember_vk_context *ctx;
    const ember_node *n;
    int32_t k, n_in;
    const ember_tensor *in[EMBER_MAX_OP_INPUTS], *y;
    uint32_t ref[EMBER_MAX_OP_INPUTS], yref;   /* EMBER_VK_NONE for an absent input */
    ember_vk_shader shader;
    uint32_t spec;
    int flat;                                  /* one invocation per output: flat_grid */
    char *message;
} op_build;

static ember_status fully_connected(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *w = b->in[1];
    const VkPhysicalDeviceLimits *lim = &b->ctx->props.limits;
    int64_t K = w->shape[1], N = w->shape[0], rows = K > 0 ? x->count / K : b->y->count / (N > 0 ? N : 1);
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_FULLY_CONNECTED;
    /* a constant weight is uploaded transposed (K, N); one in the arena (or a view of a
     * constant) is read row-major */
    b->spec = (b->ref[1] & EMBER_VK_CONST_BIT) && w->storage == EMBER_STORAGE_CONSTANT ? 0u : 1u;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->n_in > 2 ? b->ref[2] : EMBER_VK_NONE, u[3] = b->yref;
    u[4] = (uint32_t)rows, u[5] = (uint32_t)K, u[6] = (uint32_t)N, u[7] = (uint32_t)b->n->params.act.activation;
    int64_t gx = (N + EMBER_VK_GROUP - 1) / EMBER_VK_GROUP;
    int64_t gy = rows < (int64_t)lim->maxComputeWorkGroupCount[1] ? rows : (int64_t)lim->maxComputeWorkGroupCount[1];
    int64_t gz = gy > 0 ? (rows + gy - 1) / gy : 0;
    if (gz > (int64_t)lim->maxComputeWorkGroupCount[2] || gx > (int64_t)lim->maxComputeWorkGroupCount[0])
        return ember_vk_fail(b->message, EMBER_ERR_UNSUPPORTED, "operator %d (FULLY_CONNECTED): %lld x %lld outputs "
                             "exceed the device's dispatch limits", (int)b->k, (long long)rows, (long long)N);
    int empty = rows == 0 || N == 0;
    d->groups[0] = empty ? 0 : (uint32_t)gx;
    d->groups[1] = empty ? 0 : (uint32_t)gy;
    d->groups[2] = empty ? 0 : (uint32_t)(gz > 0 ? gz : 1);
    return EMBER_OK;
}

static ember_status conv2d(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *w = b->in[1], *y = b->y;
    const ember_conv2d_params *p = &b->n->params.conv2d;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_CONV2D;
    b->flat = 1;
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
    if (reach_h >= INT32_MAX || reach_w >= INT32_MAX)
        return ember_vk_fail(b->message, EMBER_ERR_UNSUPPORTED, "operator %d (CONV2D): a window reaches past 2^31",
                             (int)b->k);
    return EMBER_OK;
}

/* ADD, SUB, MUL, DIV: each operand's strides at the output's rank, 0 where broadcast. */
static ember_status binary(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *y = b->y;
    uint16_t op = b->n->opcode;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_BINARY;
    b->flat = 1;
    b->spec = op == EMBER_OPCODE_ADD ? EMBER_VK_BIN_ADD : op == EMBER_OPCODE_SUB ? EMBER_VK_BIN_SUB
            : op == EMBER_OPCODE_MUL ? EMBER_VK_BIN_MUL : EMBER_VK_BIN_DIV;
    u[0] = b->ref[0], u[1] = b->ref[1], u[2] = b->yref, u[3] = (uint32_t)y->count;
    u[4] = (uint32_t)b->n->params.act.activation, u[5] = (uint32_t)y->rank;
    for (int o = 0; o < 2; o++) {
        const ember_tensor *t = b->in[o];
        int64_t stride = 1, st[EMBER_MAX_RANK];
        for (int dd = t->rank - 1; dd >= 0; dd--) {
            st[dd] = t->shape[dd] == 1 ? 0 : stride;
            stride *= t->shape[dd];
        }
        for (int dd = 0; dd < y->rank; dd++) {
            int td = dd - (y->rank - t->rank);
            u[14 + 8 * o + dd] = td >= 0 ? (uint32_t)st[td] : 0u;
        }
    }
    for (int dd = 0; dd < y->rank; dd++) u[6 + dd] = (uint32_t)y->shape[dd];
    return EMBER_OK;
}

static ember_status unary(op_build *b, ember_vk_dispatch *d) {
    b->shader = EMBER_VK_SH_UNARY;
    b->flat = 1;
    b->spec = b->n->opcode == EMBER_OPCODE_RELU ? EMBER_VK_UN_RELU : EMBER_VK_UN_TANH;
    d->push[0] = b->ref[0], d->push[1] = b->yref, d->push[2] = (uint32_t)b->y->count;
    return EMBER_OK;
}

static ember_status pool2d(op_build *b, ember_vk_dispatch *d) {
    const ember_tensor *x = b->in[0], *y = b->y;
    const ember_pool2d_params *p = &b->n->params.pool2d;
    uint32_t *u = d->push;
    b->shader = EMBER_VK_SH_POOL2D;
    b->flat = 1;
    b->spec = b->n->opcode == EMBER_OPCODE_MAX_POOL2D ? EMBER_VK_POOL_MAX : EMBER_VK_POOL_AVG;
    u[0] = b->ref[0], u[1] = b->yref, u[2] = (uint32_t)y->count, u[3] = (uint32_t)x->shape[2];
    u[4] = (uint32_t)x->shape[3], u[5] = (uint32_t)y->shape[2], u[6] = (uint32_t)y->shape[3];
    u[7] = (uint32_t)p->kernel_h, u[8] = (uint32_t)p->kernel_w, u[9] = (uint32_t)p->stride_h;
    u[10] = (uint32_t)p->stride_w, u[11] = (uint32_t)p->pad_top, u[12] = (uint32_t)p->pad_left;
    u[13] = (uint32_t)p->dilation_h, u[14] = (uint32_t)p->dilation_w, u[15] = (uint32_t)p->count_include_pad;
    u[16] = (uint32_t)(p->divisor > 0 ? p->divisor : 0);
    int64_t reach_h = (y->shape[2] - 1) * (int64_t)p->stride_h + (int64_t)p->kernel_h * p->dilation_h;
    int64_t reach_w = (y->shape[3] - 1) * (int64_t)p->stride_w + (int64_t)p->kernel_w * p->dilation_w;
    if (reach_h >= INT32_MAX || reach_w >= INT32_MAX)
        return ember_vk_fail(b->message, EMBER_ERR_UNSUPPORTED, "operator %d (%s): a window reaches past 2^31",
                             (int)b->k, ember_opcode_name(b->n->opcode));
    return EMBER_OK;
}

ember_status ember_vk_op_dispatch(ember_vk_context *ctx, const ember_method *m, int32_t k, const uint32_t *refs,
                                  ember_vk_dispatch *d, int32_t *dispatches, char *message) {
    op_build b;
    const ember_node *n = &m->nodes[k];
    const int32_t *idx = m->indices + n->first;
    memset(&b, 0, sizeof b);
    memset(d, 0, sizeof *d);
    b.ctx = ctx, b.n = n, b.k = k, b.message = message;
    b.n_in = n->n_in < EMBER_MAX_OP_INPUTS ? n->n_in : EMBER_MAX_OP_INPUTS;
    for (int32_t i = 0; i < b.n_in; i++) {
        b.in[i] = idx[i] >= 0 ? &m->tensors[idx[i]] : NULL;
        b.ref[i] = idx[i] >= 0 ? refs[idx[i]] : EMBER_VK_NONE;
    }
    b.y = &m->tensors[idx[n->n_in]];
    b.yref = refs[idx[n->n_in]];
    d->op = k;
    *dispatches = 1;
    ember_status s;
    switch (n->opcode) {
    case EMBER_OPCODE_RESHAPE: *dispatches = 0; return EMBER_OK;   /* a view: the output shares the reference */
    case EMBER_OPCODE_FULLY_CONNECTED: s = fully_connected(&b, d); break;
    case EMBER_OPCODE_CONV2D: s = conv2d(&b, d); break;
    case EMBER_OPCODE_ADD: case EMBER_OPCODE_SUB: case EMBER_OPCODE_MUL: case EMBER_OPCODE_DIV: s = binary(&b, d); break;
    case EMBER_OPCODE_RELU: case EMBER_OPCODE_TANH: s = unary(&b, d); break;
    case EMBER_OPCODE_MAX_POOL2D: case EMBER_OPCODE_AVG_POOL2D: s = pool2d(&b, d); break;
    default:
        return ember_vk_fail(message, EMBER_ERR_UNSUPPORTED, "operator %d: op %s does not run on the Vulkan backend",
                             (int)k, ember_opcode_name(n->opcode));
    }
    if (s == EMBER_OK && b.flat) s = flat_grid(ctx, b.y->count, d->groups, message);
    if (s != EMBER_OK) return s;
    for (int32_t i = 0; i < b.n_in; i++) add_read(m, refs, idx[i], d);
    d->write_lo = (uint64_t)b.yref * 4;
    d->write_hi = d->write_lo + (uint64_t)b.y->count * 4;
    return ember_vk_pipeline_get(ctx, b.shader, b.spec, &d->pipeline);
}
