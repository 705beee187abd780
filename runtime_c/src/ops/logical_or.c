/* LOGICAL_OR: out = a or b on BOOL tensors with numpy broadcasting; a, b and out are BOOL
 * (one byte; any nonzero input byte is true, the output is 0 or 1). */
#include "op.h"

/* One row: y[i] = a[i * da] || b[i * db] for i in [0, n); da, db are 0 or 1. */
static void logical_or_bool(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db) {
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(a[i * da] || b[i * db]);
}

typedef struct logical_or_ctx { const uint8_t *a, *b; uint8_t *y; } logical_or_ctx;

static void logical_or_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da,
                           int64_t db, int64_t dc) {
    const logical_or_ctx *c = (const logical_or_ctx *)ctx;
    (void)ic;
    (void)dc;
    logical_or_bool(c->a + ia, c->b + ib, c->y + o, n, da, db);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != EMBER_DTYPE_BOOL || y->dtype != EMBER_DTYPE_BOOL || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs and output must be BOOL",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    logical_or_ctx c = {(const uint8_t *)a->in[0]->data, (const uint8_t *)a->in[1]->data, (uint8_t *)a->out->data};
    ember_bcast_iter it;
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, logical_or_row, &c, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_logical_or = {"LOGICAL_OR", check, eval};
