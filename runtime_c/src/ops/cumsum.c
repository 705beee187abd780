/* CUMSUM: inclusive cumulative sum along `axis`.
 *   FLOAT32 in, FLOAT32 out: accumulated in float32 in order, as numpy's cumsum.
 *   Integer or BOOL in (BOOL counts nonzero as 1): accumulated in int64 with wrap-around,
 *     as numpy, each partial sum converted to out's dtype (integers wrap, FLOAT32 rounds,
 *     BOOL is sum != 0).
 * A rank-0 input is one row of one.
 * x, out: (outer, len, inner); each row runs along len with stride inner. */
#include "op.h"

static void cumsum_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *xr = x + o * len * inner + i;   /* (len) at stride inner */
            float *yr = y + o * len * inner + i;         /* (len) at stride inner */
            float acc = 0.0f;
            for (int64_t j = 0; j < len; j++) {
                acc += xr[j * inner];
                yr[j * inner] = acc;
            }
        }
}

/* x integer or BOOL, y any dtype. */
static void cumsum_int(const void *x, uint8_t xt, void *y, uint8_t yt, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * len * inner + i;
            uint64_t acc = 0;
            for (int64_t j = 0; j < len; j++) {
                acc += (uint64_t)ember_load_int(x, xt, base + j * inner);
                ember_store_int(y, yt, base + j * inner, acc);
            }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    if (x->dtype == EMBER_DTYPE_FLOAT32 && y->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "a FLOAT32 input needs a FLOAT32 output (dtype %d)", (int)y->dtype);
    return ember_axis_check(x, y, a->p->axis.axis, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_axis_rows r = ember_axis_split(x, a->p->axis.axis);
    (void)err;
    if (x->dtype == EMBER_DTYPE_FLOAT32)
        cumsum_f32((const float *)x->data, (float *)y->data, r.outer, r.len, r.inner);
    else
        cumsum_int(x->data, x->dtype, y->data, y->dtype, r.outer, r.len, r.inner);
    return EMBER_OK;
}

const ember_op_impl ember_op_cumsum = {"CUMSUM", check, eval, NULL};
