/* REDUCE_PROD over `axes` (distinct; none means no reduction); keep_dims keeps them as size 1.
 * A product over no elements is 1.
 *   FLOAT32 in, FLOAT32 out: multiplied in float32 in the row's order (numpy, the Python
 *     runtime, may group the products otherwise: the two agree within float tolerance).
 *   Integer or BOOL in (BOOL counts nonzero as 1): multiplied in int64 with wrap-around,
 *     as numpy, then converted to the output's dtype (integers wrap, FLOAT32 rounds, BOOL
 *     is product != 0).
 * x: (d0, ..., dr-1); out: x's shape without the axes (or with them as 1). */
#include "op.h"

/* x: x's shape; y: (outer), in the order of x's kept dimensions. */
static void reduce_prod_f32(const float *x, float *y, const ember_reduce_shape *s) {
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base;
        float prod = 1.0f;
        for (int64_t r = 0; r < s->count; r++) {
            prod *= x[off];
            off += ember_odometer(ir, s->red, s->red_stride, s->n_red);
        }
        y[o] = prod;
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

/* FLOAT32 x multiplied in float32, others in int64 (ember_reduce_fn). */
static void reduce_prod(const void *x, uint8_t xt, void *y, uint8_t yt, const ember_reduce_shape *s) {
    if (xt == EMBER_DTYPE_FLOAT32)
        reduce_prod_f32((const float *)x, (float *)y, s);   /* the check makes y FLOAT32 too */
    else
        ember_reduce_int(x, xt, y, yt, s, 1);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    ember_reduce_eval(a, reduce_prod);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_prod = {"REDUCE_PROD", ember_reduce_numeric_check, eval, NULL};
