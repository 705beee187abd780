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

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    ember_axis_rows r = ember_axis_split(x, a->p->axis.axis);
    (void)err;
    log_softmax_f32((const float *)x->data, (float *)a->out->data, r.outer, r.len, r.inner);
    return EMBER_OK;
}

const ember_op_impl ember_op_log_softmax = {"LOG_SOFTMAX", ember_axis_f32_check, eval, NULL};
