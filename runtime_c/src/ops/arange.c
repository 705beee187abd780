/* ARANGE: no inputs; out[i] = start + i * step for i in [0, n), n = out.shape[0], computed
 * in double and then converted to out's dtype as numpy's astype: FLOAT32 rounds; integers
 * truncate toward zero (NaN and out-of-range values as CAST: INT32/INT64 minimum,
 * INT8/UINT8 the low byte of the INT32 result); BOOL is value != 0.
 * out: (n). */
#include "op.h"

/* y[i] = convert(start + i * step); y: (n). */
static void arange_fill(void *y, uint8_t dtype, int64_t n, double start, double step) {
    for (int64_t i = 0; i < n; i++) {
        double offset = step * (double)i;   /* its own statement: no fused multiply-add */
        double v = start + offset;
        int32_t i32 = v > -2147483649.0 && v < 2147483648.0 ? (int32_t)v : INT32_MIN;
        switch (dtype) {
        case EMBER_DTYPE_FLOAT32: ((float *)y)[i] = (float)v; break;
        case EMBER_DTYPE_INT64:
            ((int64_t *)y)[i] = v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN;
            break;
        case EMBER_DTYPE_INT32: ((int32_t *)y)[i] = i32; break;
        case EMBER_DTYPE_INT8: ((int8_t *)y)[i] = (int8_t)(uint8_t)i32; break;
        case EMBER_DTYPE_BOOL: ((uint8_t *)y)[i] = (uint8_t)(v != 0.0); break;
        default: ((uint8_t *)y)[i] = (uint8_t)i32; break;
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    char ys[96];
    if (a->out->rank != 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s must be rank 1", ember_shape_str(a->out, ys, sizeof ys));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    arange_fill(a->out->data, a->out->dtype, a->out->shape[0], a->p->arange.start, a->p->arange.step);
    return EMBER_OK;
}

const ember_op_impl ember_op_arange = {"ARANGE", check, eval, NULL};
