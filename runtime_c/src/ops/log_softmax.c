/* LOG_SOFTMAX along `axis`, float32: out = (x - max) - log(sum(exp(x - max))). A row of
 * all -inf (or holding +inf or NaN) gives NaN, as numpy and torch. The sum and its log are
 * kept in double (numpy: float32), a difference of a few ulp. A rank-0 input is one row of one. */
#include "op.h"

/* x, y: (outer, len, inner); each row runs along len with stride inner. */
static void log_softmax_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *xr = x + o * len * inner + i;   /* (len) at stride inner */
            float *yr = y + o * len * inner + i;         /* (len) at stride inner */
            float mx = ember_max_strided(xr, len, inner);
            double sum = 0.0;
            for (int64_t j = 0; j < len; j++) sum += (double)expf(xr[j * inner] - mx);
            float lse = (float)log(sum);
            for (int64_t j = 0; j < len; j++) yr[j * inner] = (xr[j * inner] - mx) - lse;
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    char xs[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || a->out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be FLOAT32");
    if (!ember_same_shape(x, a->out))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(a->out, ys, sizeof ys));
    if (a->p->axis.axis < 0 || a->p->axis.axis >= (x->rank > 0 ? x->rank : 1))
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", (int)a->p->axis.axis, (int)x->rank);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    int axis = a->p->axis.axis;
    int64_t outer = 1, len = x->rank > 0 ? x->shape[axis] : 1, inner = 1;
    (void)err;
    for (int d = 0; d < axis && d < x->rank; d++) outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++) inner *= x->shape[d];
    log_softmax_f32((const float *)x->data, (float *)a->out->data, outer, len, inner);
    return EMBER_OK;
}

const ember_op_impl ember_op_log_softmax = {"LOG_SOFTMAX", check, eval};
