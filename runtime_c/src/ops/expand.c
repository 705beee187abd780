/* EXPAND: x broadcast (numpy rules, dimensions aligned at the right) to the output's
 * shape and materialized. Any dtype (x and out share it): elements are copied as bytes.
 * x: (e0, ..., es-1), each 1 or out's size; out: (d0, ..., dr-1), r >= s. */
#include "op.h"

typedef struct expand_ctx { const char *x; char *y; size_t item; } expand_ctx;

/* One run of out's last dimension: y[o + j] = x[ia + j * step], n elements. */
static void expand_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t step,
                       int64_t db, int64_t dc) {
    const expand_ctx *c = (const expand_ctx *)ctx;
    const char *src = c->x + (size_t)ia * c->item;   /* (n) at stride step */
    char *dst = c->y + (size_t)o * c->item;          /* (n) */
    (void)ib, (void)ic, (void)db, (void)dc;
    ember_copy_strided(dst, src, n, step, c->item);
}

static void expand_bytes(const void *x, void *y, size_t item, const ember_bcast_iter *it) {
    expand_ctx c = {(const char *)x, (char *)y, item};
    ember_bcast_rows(it, expand_row, &c);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    char xs[96], ys[96];
    if (x->dtype != y->dtype || !ember_broadcastable(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s (dtype %d) does not broadcast to output %s (dtype %d)",
                          ember_shape_str(x, xs, sizeof xs), (int)x->dtype, ember_shape_str(y, ys, sizeof ys),
                          (int)y->dtype);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    ember_bcast_iter it;
    (void)err;
    if (a->out->count == 0) return EMBER_OK;
    ember_bcast_init(&it, a->out, a->in[0], NULL, NULL);
    expand_bytes(a->in[0]->data, a->out->data, ember_dtype_size((ember_dtype)a->out->dtype), &it);
    return EMBER_OK;
}

const ember_op_impl ember_op_expand = {"EXPAND", check, eval, NULL};
