/* REFLECTION_PAD and REPLICATION_PAD: PAD's `pads` (before_0, after_0, before_1, ...; all
 * >= 0, one pair per dimension; `value` unused) filled from the input itself. REFLECT
 * mirrors it without repeating the edge (numpy's "reflect": each pad of a padded dimension
 * smaller than that dimension); EDGE repeats the edge element (numpy's "edge": a padded
 * dimension not empty). Any dtype; x and out share it.
 * x: (d0, ..., dr-1); out: (d0 + before_0 + after_0, ...). Each output row (the last
 * dimension) reads one input row: the leading indices map one by one (ember_pad_source);
 * the row is its left padding, the input row, its right padding. */
#ifndef EMBER_PAD_MODES_H
#define EMBER_PAD_MODES_H

#include "op.h"

enum { EMBER_PAD_REFLECT = 0, EMBER_PAD_EDGE = 1 };

/* The input index of padded position j (j = output index - before, in [-before, n + after))
 * of a dimension of n elements; in [0, n) under the check's rules. */
static inline int64_t ember_pad_source(int64_t j, int64_t n, int mode) {
    if (j < 0) return mode == EMBER_PAD_REFLECT ? -j : 0;
    if (j >= n) return mode == EMBER_PAD_REFLECT ? 2 * (n - 1) - j : n - 1;
    return j;
}

/* Shapes, dtypes and pads of the op (mode EMBER_PAD_*): the rules above, and out's shape. */
static inline ember_status ember_pad_modes_check(const ember_op_args *a, int mode, ember_error *err) {
    const ember_tensor *x = a->in[0];
    const ember_pad_params *p = &a->p->pad;
    ember_status st = ember_pad_check(a, err);
    if (st != EMBER_OK) return st;
    for (int d = 0; d < x->rank; d++) {
        int64_t before = p->pads[2 * d], after = p->pads[2 * d + 1], n = x->shape[d];
        if ((before > 0 || after > 0) && (mode == EMBER_PAD_REFLECT ? before >= n || after >= n : n == 0))
            return ember_fail(err, EMBER_ERR_VERIFY, mode == EMBER_PAD_REFLECT ?
                              "dimension %d: reflection pads %lld, %lld must be smaller than its size %lld" :
                              "dimension %d: pads %lld, %lld replicate the edge of an empty dimension (size %lld)",
                              d, (long long)before, (long long)after, (long long)n);
    }
    return EMBER_OK;
}

/* What the rows read: a rank-0 operand is seen as one element of rank 1. */
typedef struct ember_pad_walk {
    const char *x;
    char *y;
    size_t item;                                   /* bytes per element */
    int rank, mode;
    int64_t in[EMBER_MAX_RANK], out[EMBER_MAX_RANK], before[EMBER_MAX_RANK];
    int64_t in_stride[EMBER_MAX_RANK];             /* x's strides (elements) */
} ember_pad_walk;

/* Output rows [r0, r1) (each out[rank - 1] elements). */
static inline void ember_pad_rows(const void *ctx, int64_t r0, int64_t r1) {
    const ember_pad_walk *w = (const ember_pad_walk *)ctx;
    int last = w->rank - 1;
    int64_t width = w->out[last], n = w->in[last], lead = w->before[last];
    size_t item = w->item;
    for (int64_t r = r0; r < r1; r++) {
        int64_t rest = r, src = 0;
        for (int d = last - 1; d >= 0; d--) {
            src += ember_pad_source(rest % w->out[d] - w->before[d], w->in[d], w->mode) * w->in_stride[d];
            rest /= w->out[d];
        }
        const char *xr = w->x + (size_t)src * item;
        char *yr = w->y + (size_t)(r * width) * item;
        for (int64_t k = 0; k < lead; k++)   /* the left padding */
            memcpy(yr + (size_t)k * item, xr + (size_t)ember_pad_source(k - lead, n, w->mode) * item, item);
        memcpy(yr + (size_t)lead * item, xr, (size_t)n * item);
        for (int64_t k = lead + n; k < width; k++)   /* the right padding */
            memcpy(yr + (size_t)k * item, xr + (size_t)ember_pad_source(k - lead, n, w->mode) * item, item);
    }
}

/* The eval of both ops: out's rows split over threads. */
static inline void ember_pad_modes_eval(const ember_op_args *a, int mode) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_pad_walk w;
    int64_t stride = 1, rows = 1;
    if (y->count == 0) return;   /* nothing to write (x may then have no data) */
    w.x = (const char *)x->data, w.y = (char *)y->data, w.mode = mode;
    w.item = ember_dtype_size((ember_dtype)y->dtype);
    w.rank = x->rank > 0 ? x->rank : 1;
    w.in[0] = w.out[0] = 1, w.before[0] = 0, w.in_stride[0] = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        w.in[d] = x->shape[d], w.out[d] = y->shape[d], w.before[d] = a->p->pad.pads[2 * d];
        w.in_stride[d] = stride;
        stride *= x->shape[d];
    }
    for (int d = 0; d < w.rank - 1; d++) rows *= w.out[d];
    int64_t width = w.out[w.rank - 1];
    ember_threads_for(a->threads, rows, width >= 4096 ? 1 : 4096 / width, ember_pad_rows, &w);
}

#endif /* EMBER_PAD_MODES_H */
