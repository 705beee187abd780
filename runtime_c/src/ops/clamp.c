/* CLAMP: min(max(x, min), max) with min and max from ClampOptions (either may be
 * +-inf); NaN propagates, as numpy's maximum/minimum (op.h's ember_max_nan, ember_min_nan). When min > max the result is max.
 * x and out: FLOAT32 of one shape (unary.h's check). */
#include "unary.h"

static void clamp_f32(const float *x, float *y, int64_t n, float lo, float hi) {
    for (int64_t i = 0; i < n; i++) y[i] = ember_min_nan(ember_max_nan(x[i], lo), hi);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    clamp_f32((const float *)a->in[0]->data, (float *)a->out->data, a->out->count, a->p->clamp.min, a->p->clamp.max);
    return EMBER_OK;
}

const ember_op_impl ember_op_clamp = {"CLAMP", ember_unary_f32_check, eval, NULL};
