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

/* Element i of x widened to int64; a nonzero BOOL byte is 1. */
static int64_t load_int(const void *x, uint8_t dtype, int64_t i) {
    switch (dtype) {
    case EMBER_DTYPE_INT8: return ((const int8_t *)x)[i];
    case EMBER_DTYPE_INT32: return ((const int32_t *)x)[i];
    case EMBER_DTYPE_INT64: return ((const int64_t *)x)[i];
    case EMBER_DTYPE_BOOL: return ((const uint8_t *)x)[i] != 0;
    default: return ((const uint8_t *)x)[i];
    }
}

/* Element i of y = v in y's dtype: integers keep the low bits, FLOAT32 rounds, BOOL is v != 0. */
static void store_int(void *y, uint8_t dtype, int64_t i, uint64_t v) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: ((float *)y)[i] = (float)(int64_t)v; break;
    case EMBER_DTYPE_INT8: ((int8_t *)y)[i] = (int8_t)(uint8_t)v; break;
    case EMBER_DTYPE_INT32: ((int32_t *)y)[i] = (int32_t)(uint32_t)v; break;
    case EMBER_DTYPE_INT64: ((int64_t *)y)[i] = (int64_t)v; break;
    case EMBER_DTYPE_BOOL: ((uint8_t *)y)[i] = (uint8_t)(v != 0); break;
    default: ((uint8_t *)y)[i] = (uint8_t)v; break;
    }
}

/* x integer or BOOL, y any dtype. */
static void cumsum_int(const void *x, uint8_t xt, void *y, uint8_t yt, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * len * inner + i;
            uint64_t acc = 0;
            for (int64_t j = 0; j < len; j++) {
                acc += (uint64_t)load_int(x, xt, base + j * inner);
                store_int(y, yt, base + j * inner, acc);
            }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    char xs[96], ys[96];
    if (x->dtype == EMBER_DTYPE_FLOAT32 && y->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "a FLOAT32 input needs a FLOAT32 output (dtype %d)", (int)y->dtype);
    if (!ember_same_shape(x, y))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(y, ys, sizeof ys));
    if (a->p->axis.axis < 0 || a->p->axis.axis >= (x->rank > 0 ? x->rank : 1))
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", (int)a->p->axis.axis, (int)x->rank);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    int axis = a->p->axis.axis;
    int64_t outer = 1, len = x->rank > 0 ? x->shape[axis] : 1, inner = 1;
    (void)err;
    for (int d = 0; d < axis && d < x->rank; d++) outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->shape[d];
    if (x->dtype == EMBER_DTYPE_FLOAT32)
        cumsum_f32((const float *)x->data, (float *)y->data, outer, len, inner);
    else
        cumsum_int(x->data, x->dtype, y->data, y->dtype, outer, len, inner);
    return EMBER_OK;
}

const ember_op_impl ember_op_cumsum = {"CUMSUM", check, eval};
