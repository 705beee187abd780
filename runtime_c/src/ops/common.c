/* Helpers shared by op adapters: shape checks, broadcasting and messages. */
#include <stdio.h>

#include "arith.h"
#include "compare.h"
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

/* ---- comparisons (compare.h) ----------------------------------------------------------- */
typedef struct compare_ctx {
    const void *a, *b;
    uint8_t *y;
    uint8_t dtype;
    const ember_compare_rows *rows;
} compare_ctx;

static void compare_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                        int64_t dc) {
    const compare_ctx *c = (const compare_ctx *)ctx;
    const ember_compare_rows *r = c->rows;
    uint8_t *y = c->y + o;
    (void)ic;
    (void)dc;
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: r->f32((const float *)c->a + ia, (const float *)c->b + ib, y, n, da, db); break;
    case EMBER_DTYPE_INT8: r->i8((const int8_t *)c->a + ia, (const int8_t *)c->b + ib, y, n, da, db); break;
    case EMBER_DTYPE_UINT8: r->u8((const uint8_t *)c->a + ia, (const uint8_t *)c->b + ib, y, n, da, db); break;
    case EMBER_DTYPE_INT32: r->i32((const int32_t *)c->a + ia, (const int32_t *)c->b + ib, y, n, da, db); break;
    case EMBER_DTYPE_INT64: r->i64((const int64_t *)c->a + ia, (const int64_t *)c->b + ib, y, n, da, db); break;
    case EMBER_DTYPE_BOOL: r->truth((const uint8_t *)c->a + ia, (const uint8_t *)c->b + ib, y, n, da, db); break;
    default: break;   /* refused by the check */
    }
}

ember_status ember_compare_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != y->dtype || x->dtype > EMBER_DTYPE_UINT8 || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs must share a dtype, output must be BOOL",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

void ember_compare_eval(const ember_op_args *a, const ember_compare_rows *rows) {
    compare_ctx c = {a->in[0]->data, a->in[1]->data, (uint8_t *)a->out->data, a->in[0]->dtype, rows};
    ember_bcast_iter it;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, compare_row, &c, a->threads);
}

/* ---- arithmetic (arith.h) --------------------------------------------------------------- */
typedef struct arith_ctx {
    const void *a, *b;
    void *y;
    uint8_t dtype;
    int32_t activation;
    const ember_arith_rows *rows;
} arith_ctx;

static void arith_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                      int64_t dc) {
    const arith_ctx *c = (const arith_ctx *)ctx;
    const ember_arith_rows *r = c->rows;
    (void)ic;
    (void)dc;
#define ROW(T, FN) r->FN((const T *)c->a + ia, (const T *)c->b + ib, (T *)c->y + o, n, da, db, c->activation)
    switch (c->dtype) {
    case EMBER_DTYPE_FLOAT32: ROW(float, f32); break;
    case EMBER_DTYPE_INT8: ROW(int8_t, i8); break;
    case EMBER_DTYPE_UINT8: ROW(uint8_t, u8); break;
    case EMBER_DTYPE_INT32: ROW(int32_t, i32); break;
    case EMBER_DTYPE_INT64: ROW(int64_t, i64); break;
    default: break;   /* refused by the check */
    }
#undef ROW
}

ember_status ember_arith_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != out->dtype || y->dtype != out->dtype || out->dtype == EMBER_DTYPE_BOOL ||
        out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs and output must share a numeric dtype",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

void ember_arith_eval(const ember_op_args *a, const ember_arith_rows *rows) {
    arith_ctx c = {a->in[0]->data, a->in[1]->data, a->out->data, a->out->dtype, a->p->act.activation, rows};
    ember_bcast_iter it;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, arith_row, &c, a->threads);
}
