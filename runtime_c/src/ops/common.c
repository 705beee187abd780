/* Helpers shared by op adapters: shape checks, broadcasting and messages. */
#include <float.h>
#include <stdio.h>

#include "../gemm/gemm.h"
#include "op.h"

int ember_broadcastable(const ember_tensor *in, const ember_tensor *out) {
    if (in->rank > out->rank) return 0;
    int shift = out->rank - in->rank;
    for (int d = 0; d < in->rank; d++)
        if (in->shape[d] != 1 && in->shape[d] != out->shape[d + shift]) return 0;
    return 1;
}

int ember_broadcast_result(const ember_tensor *a, const ember_tensor *b, const ember_tensor *out) {
    int rank = a->rank > b->rank ? a->rank : b->rank;
    if (out->rank != rank) return 0;
    for (int d = 0; d < rank; d++) {
        int da = d - (rank - a->rank), db = d - (rank - b->rank);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1) return 0;
        if (out->shape[d] != (x == 1 ? y : x)) return 0;
    }
    return 1;
}

ember_status ember_check_broadcast_result(const ember_tensor *a, const ember_tensor *b, const ember_tensor *out,
                                          ember_error *err) {
    char as[64], bs[64], os[64];
    if (ember_broadcast_result(a, b, out)) return EMBER_OK;
    return ember_fail(err, EMBER_ERR_VERIFY, "inputs %s and %s do not broadcast to the output %s",
                      ember_shape_str(a, as, sizeof as), ember_shape_str(b, bs, sizeof bs),
                      ember_shape_str(out, os, sizeof os));
}

const char *ember_shape_str(const ember_tensor *t, char *buf, size_t size) {
    size_t used = 0;
    if (size == 0) return buf;
    buf[0] = 0;
    used += (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < t->rank && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ", %lld" : "%lld", (long long)t->shape[d]);
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

ember_status ember_check_same_shape(const ember_tensor *x, const ember_tensor *out, ember_error *err) {
    char xs[96], os[96];
    if (ember_same_shape(x, out)) return EMBER_OK;
    return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape", ember_shape_str(x, xs, sizeof xs),
                      ember_shape_str(out, os, sizeof os));
}

/* ---- ops along one axis (op.h) ---- */
ember_axis_rows ember_axis_split(const ember_tensor *x, int axis) {
    ember_axis_rows r = {1, x->rank > 0 ? x->shape[axis] : 1, 1};
    for (int d = 0; d < axis && d < x->rank; d++) r.outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++) r.inner *= x->shape[d];
    return r;
}

ember_status ember_axis_check(const ember_tensor *x, const ember_tensor *out, int32_t axis, ember_error *err) {
    ember_status s = ember_check_same_shape(x, out, err);
    if (s != EMBER_OK) return s;
    if (axis < 0 || axis >= (x->rank > 0 ? x->rank : 1))
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", (int)axis, (int)x->rank);
    return EMBER_OK;
}

ember_status ember_axis_f32_check(const ember_op_args *a, ember_error *err) {
    if (a->in[0]->dtype != EMBER_DTYPE_FLOAT32 || a->out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be FLOAT32");
    return ember_axis_check(a->in[0], a->out, a->p->axis.axis, err);
}

/* ---- pooling and resizing (op.h) ---- */
static int64_t floor_div(int64_t num, int64_t den) {
    return num >= 0 ? num / den : -((-num + den - 1) / den);
}

/* The output size of one spatial axis (<= 0 when the window does not fit once). */
static int64_t pooled(int64_t in, int32_t k, int32_t s, int32_t before, int32_t after, int32_t d) {
    return floor_div(in + before + after - (int64_t)d * (k - 1) - 1, s) + 1;
}

ember_status ember_pool2d_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_pool2d_params *p = &a->p->pool2d;
    char xs[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_FLOAT32 || x->rank != 4 || y->rank != 4)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be rank-4 FLOAT32");
    if (p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 ||
        p->dilation_w < 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "kernel %dx%d, stride %dx%d, dilation %dx%d: each must be >= 1",
                          (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_h, (int)p->stride_w,
                          (int)p->dilation_h, (int)p->dilation_w);
    if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "negative padding");
    int64_t oh = pooled(x->shape[2], p->kernel_h, p->stride_h, p->pad_top, p->pad_bottom, p->dilation_h);
    int64_t ow = pooled(x->shape[3], p->kernel_w, p->stride_w, p->pad_left, p->pad_right, p->dilation_w);
    if (y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] || y->shape[2] != oh || y->shape[3] != ow)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s gives output [%lld, %lld, %lld, %lld], not %s",
                          ember_shape_str(x, xs, sizeof xs), (long long)x->shape[0], (long long)x->shape[1],
                          (long long)oh, (long long)ow, ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

ember_status ember_resize_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_resize_params *p = &a->p->resize;
    char xs[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_FLOAT32 || x->rank != 4 || y->rank != 4 ||
        x->shape[0] != y->shape[0] || x->shape[1] != y->shape[1])
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s must be FLOAT32 (N, C, H, W) with equal N, C",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(y, ys, sizeof ys));
    if (y->count > 0 && (x->shape[2] < 1 || x->shape[3] < 1))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s has no pixel to sample", ember_shape_str(x, xs, sizeof xs));
    if (!(p->scale_h >= 0.0f && p->scale_h <= FLT_MAX) || !(p->scale_w >= 0.0f && p->scale_w <= FLT_MAX))
        return ember_fail(err, EMBER_ERR_VERIFY, "scales %g, %g must be finite and >= 0", (double)p->scale_h,
                          (double)p->scale_w);
    return EMBER_OK;
}

void ember_broadcast_strides(const ember_tensor *in, const ember_tensor *out, int64_t strides[EMBER_MAX_RANK]) {
    int shift = out->rank - in->rank;
    int64_t s = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int di = d - shift;
        if (di < 0 || in->shape[di] == 1) {
            strides[d] = 0;
        } else {
            strides[d] = s;
        }
        if (di >= 0) s *= in->shape[di];
    }
}

void ember_bcast_init(ember_bcast_iter *it, const ember_tensor *out, const ember_tensor *a,
                      const ember_tensor *b, const ember_tensor *c) {
    memset(it, 0, sizeof *it);
    it->rank = out->rank;
    for (int d = 0; d < out->rank; d++) it->shape[d] = out->shape[d];
    if (a) ember_broadcast_strides(a, out, it->sa);
    if (b) ember_broadcast_strides(b, out, it->sb);
    if (c) ember_broadcast_strides(c, out, it->sc);
}

void ember_bcast_rows(const ember_bcast_iter *it, ember_bcast_row_fn fn, void *ctx) {
    int r = it->rank;
    if (r == 0) {
        fn(ctx, 0, 0, 0, 0, 1, 0, 0, 0);
        return;
    }
    int64_t n = it->shape[r - 1], outer = 1;
    for (int d = 0; d < r - 1; d++) outer *= it->shape[d];
    if (n == 0 || outer == 0) return;
    int64_t idx[EMBER_MAX_RANK] = {0}, oa = 0, ob = 0, oc = 0;
    for (int64_t o = 0; o < outer; o++) {
        fn(ctx, o * n, oa, ob, oc, n, it->sa[r - 1], it->sb[r - 1], it->sc[r - 1]);
        for (int d = r - 2; d >= 0; d--) {   /* next outer index, odometer style */
            idx[d]++;
            oa += it->sa[d];
            ob += it->sb[d];
            oc += it->sc[d];
            if (idx[d] < it->shape[d]) break;
            oa -= it->sa[d] * it->shape[d];
            ob -= it->sb[d] * it->shape[d];
            oc -= it->sc[d] * it->shape[d];
            idx[d] = 0;
        }
    }
}

enum { BCAST_PIECE = 4096, BCAST_MIN_SPLIT = 32768 };

typedef struct bcast_job {
    const ember_bcast_iter *it;
    ember_bcast_row_fn fn;
    void *ctx;
    int64_t n, pieces;
} bcast_job;

/* Items [u0, u1): item u is piece u % pieces of row u / pieces; the row's input offsets
 * by mixed-radix decomposition of its index over the outer dimensions. */
static void bcast_range(const void *job, int64_t u0, int64_t u1) {
    const bcast_job *j = (const bcast_job *)job;
    const ember_bcast_iter *it = j->it;
    int r = it->rank;
    for (int64_t u = u0; u < u1; u++) {
        int64_t o = u / j->pieces, p0 = u % j->pieces * BCAST_PIECE, len = j->n - p0 < BCAST_PIECE ? j->n - p0 : BCAST_PIECE;
        int64_t oa = 0, ob = 0, oc = 0, rest = o;
        for (int d = r - 2; d >= 0; d--) {
            int64_t i = rest % it->shape[d];
            rest /= it->shape[d];
            oa += i * it->sa[d], ob += i * it->sb[d], oc += i * it->sc[d];
        }
        j->fn(j->ctx, o * j->n + p0, oa + p0 * it->sa[r - 1], ob + p0 * it->sb[r - 1], oc + p0 * it->sc[r - 1], len,
              it->sa[r - 1], it->sb[r - 1], it->sc[r - 1]);
    }
}

void ember_bcast_rows_threads(const ember_bcast_iter *it, ember_bcast_row_fn fn, void *ctx, const ember_threads *th) {
    int r = it->rank;
    int64_t n = r > 0 ? it->shape[r - 1] : 1, outer = 1;
    for (int d = 0; d < r - 1; d++) outer *= it->shape[d];
    if (th == NULL || th->n < 2 || r == 0 || n == 0 || outer == 0 || outer * n < BCAST_MIN_SPLIT) {
        ember_bcast_rows(it, fn, ctx);
        return;
    }
    int64_t piece = n < BCAST_PIECE ? n : BCAST_PIECE;
    bcast_job job = {it, fn, ctx, n, (n + BCAST_PIECE - 1) / BCAST_PIECE};
    ember_threads_for(th, outer * job.pieces, (BCAST_MIN_SPLIT / 2 + piece - 1) / piece, bcast_range, &job);
}

/* ---- reductions (REDUCE_*; declared in op.h) ---- */
int64_t ember_odometer(int64_t *idx, const int64_t *dims, const int64_t *strides, int n) {
    int64_t delta = 0;
    for (int d = n - 1; d >= 0; d--) {
        idx[d]++;
        delta += strides[d];
        if (idx[d] < dims[d]) return delta;
        delta -= strides[d] * dims[d];
        idx[d] = 0;
    }
    return delta;
}

void ember_reduce_split(const ember_tensor *x, const ember_reduce_params *p, ember_reduce_shape *s) {
    uint32_t reduced = 0;
    int64_t stride = 1, st[EMBER_MAX_RANK];
    for (int i = 0; i < p->n_axes; i++) reduced |= 1u << p->axes[i];
    for (int d = x->rank - 1; d >= 0; d--) {
        st[d] = stride;
        stride *= x->shape[d];
    }
    s->n_keep = s->n_red = 0;
    s->outer = s->count = 1;
    for (int d = 0; d < x->rank; d++) {
        if ((reduced >> d) & 1u) {
            s->red[s->n_red] = x->shape[d];
            s->red_stride[s->n_red++] = st[d];
            s->count *= x->shape[d];
        } else {
            s->keep[s->n_keep] = x->shape[d];
            s->keep_stride[s->n_keep++] = st[d];
            s->outer *= x->shape[d];
        }
    }
}

/* Axes distinct and inside x's rank; y's shape is x's with them removed (or 1 with keep_dims). */
ember_status ember_reduce_check(const ember_tensor *x, const ember_tensor *y, const ember_reduce_params *p,
                                 ember_error *err) {
    uint32_t seen = 0;
    char xs[96], ys[96];
    for (int i = 0; i < p->n_axes; i++) {
        int32_t ax = p->axes[i];
        if (ax < 0 || ax >= x->rank || ((seen >> ax) & 1u))
            return ember_fail(err, EMBER_ERR_VERIFY, "axes entry %d: axis %d repeated or out of range for rank %d", i,
                              (int)ax, (int)x->rank);
        seen |= 1u << ax;
    }
    int ok = y->rank == (p->keep_dims ? x->rank : x->rank - p->n_axes);
    for (int d = 0, k = 0; ok && d < x->rank; d++) {
        if (!((seen >> d) & 1u)) ok = y->shape[k++] == x->shape[d];
        else if (p->keep_dims) ok = y->shape[k++] == 1;
    }
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s reduced over %d axes (keep_dims %d) is not output %s",
                          ember_shape_str(x, xs, sizeof xs), (int)p->n_axes, (int)p->keep_dims,
                          ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

typedef struct range_job { ember_range_fn fn; const void *ctx; int64_t total; int32_t parts; } range_job;

static void range_task(void *ctx, int32_t t) {
    const range_job *j = (const range_job *)ctx;
    int64_t begin = j->total * t / j->parts, end = j->total * (t + 1) / j->parts;
    if (end > begin) j->fn(j->ctx, begin, end);
}

void ember_threads_for(const ember_threads *th, int64_t total, int64_t grain, ember_range_fn fn, const void *ctx) {
    int64_t parts = th != NULL ? th->n : 1;
    if (grain < 1) grain = 1;
    if (total / grain < parts) parts = total / grain;
    if (parts <= 1) {
        if (total > 0) fn(ctx, 0, total);
        return;
    }
    range_job job = {fn, ctx, total, (int32_t)parts};
    ember_threads_run(th, job.parts, range_task, &job);
}

/* ---- GEMM scratch (op.h) ---- */
uint64_t ember_gemm_scratch(const ember_operand *w, int32_t first, int32_t last) {
    uint64_t need = EMBER_GEMM_SCRATCH_BYTES;
    if (w == NULL || w->dtype != EMBER_DTYPE_INT8 || w->rank < 2) return need;
    int64_t k = 1;
    for (int32_t d = first; d < last && k <= EMBER_GEMM_I8_MAX_K; d++) {
        int64_t v = w->shape[d];
        k = v < 0 ? EMBER_GEMM_I8_MAX_K + 1 : k * v;
    }
    if (k < 1 || k > EMBER_GEMM_I8_MAX_K) return need;
    uint64_t i8 = EMBER_GEMM_I8_SCRATCH_BYTES(k);
    return i8 > need ? i8 : need;
}

void ember_reduce_int(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s, int product) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        uint64_t acc = product ? 1 : 0;
        for (int64_t r = 0; r < s->count; r++) {
            uint64_t v = (uint64_t)ember_load_int(x, xt, off);
            acc = product ? acc * v : acc + v;
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        ember_store_int(y, yt, o, acc);
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

ember_status ember_reduce_numeric_check(const ember_op_args *a, ember_error *err) {
    uint8_t xt = a->in[0]->dtype, yt = a->out->dtype;
    if (xt == EMBER_DTYPE_FLOAT32 && yt != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "a FLOAT32 input needs a FLOAT32 output (dtype %d)", (int)yt);
    return ember_reduce_check(a->in[0], a->out, &a->p->reduce, err);
}

/* PAD, REFLECTION_PAD, REPLICATION_PAD: one dtype and rank, 2 * rank pads >= 0, and each
 * output dimension is the input's plus its pads. */
ember_status ember_pad_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_pad_params *p = &a->p->pad;
    char xs[96], ys[96];
    if (x->dtype != y->dtype || x->rank != y->rank || p->n_pads != 2 * x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s (dtype %d), output %s (dtype %d), %d pads inconsistent",
                          ember_shape_str(x, xs, sizeof xs), (int)x->dtype, ember_shape_str(y, ys, sizeof ys),
                          (int)y->dtype, (int)p->n_pads);
    for (int d = 0; d < x->rank; d++) {
        int64_t before = p->pads[2 * d], after = p->pads[2 * d + 1];
        if (before < 0 || after < 0 || before > y->shape[d] || after > y->shape[d] ||
            x->shape[d] + before + after != y->shape[d])
            return ember_fail(err, EMBER_ERR_VERIFY, "dimension %d: %lld + pads %lld, %lld != output %lld", d,
                              (long long)x->shape[d], (long long)before, (long long)after, (long long)y->shape[d]);
    }
    return EMBER_OK;
}
