/* CONCAT int8 (reference: runtime_py/kernels/int8/concat.py): input i contributes
 * clamp(mbqm(x_i - zp_i, m[i], s[i]) + out_zp, -128, 127), joined along `axis`. */
#include "fixed.h"

extern const ember_op_impl ember_op_concat;

static ember_status check(const ember_op_args *a, ember_error *err) {
    for (int t = 0; t < a->n_in; t++)
        if (!ember_is_q8(a->in[t]))
            return ember_fail(err, EMBER_ERR_VERIFY, "int8: input %d must be quantized INT8", t);
    if (!ember_is_q8(a->out)) return ember_fail(err, EMBER_ERR_VERIFY, "int8: output must be quantized INT8");
    ember_status s = ember_op_concat.check(a, err);
    return s != EMBER_OK ? s : ember_check_quant(a, a->n_in, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *y = a->out;
    int axis = a->p->axis.axis;
    int64_t outer = 1, inner = 1, o = 0;
    int8_t *out = (int8_t *)y->data;
    (void)err;
    for (int d = 0; d < axis; d++) outer *= y->shape[d];
    for (int d = axis + 1; d < y->rank; d++) inner *= y->shape[d];
    for (int64_t r = 0; r < outer; r++)
        for (int t = 0; t < a->n_in; t++) {
            const ember_tensor *x = a->in[t];
            int64_t n = x->shape[axis] * inner;
            const int8_t *src = (const int8_t *)x->data + r * n;
            int32_t m = ember_q_at(a->q->multiplier, t), sh = ember_q_shift(a->q, t);
            for (int64_t i = 0; i < n; i++)
                out[o++] = ember_requantize((int32_t)src[i] - x->zero_point, m, sh, y->zero_point, -128, 127);
        }
    return EMBER_OK;
}

const ember_op_impl ember_op_concat_int8 = {"CONCAT", check, eval, NULL};
