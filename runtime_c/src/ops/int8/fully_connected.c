/* FULLY_CONNECTED int8 (reference: runtime_py/kernels/int8/fully_connected.py):
 *   acc[..., n] = bias[n] + sum_k (x[..., k] - x_zp) * w[n, k]   (exact, saturated to int32)
 *   out = clamp(mbqm(acc, m[n], s[n]) + out_zp, act_min, act_max). */
#include "fixed.h"

extern const ember_op_impl ember_op_fully_connected;

static void fully_connected_i8(const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y, int64_t rows,
                               int64_t k, int64_t n, const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *xr = x + r * k;          /* (K) */
        for (int64_t j = 0; j < n; j++) {
            const int8_t *wj = w + j * k;      /* (K) */
            int64_t acc = bias ? bias[j] : 0;
            for (int64_t i = 0; i < k; i++) acc += (int64_t)((int32_t)xr[i] - x_zp) * wj[i];
            int32_t qi = q->n == 1 ? 0 : (int32_t)j;
            y[r * n + j] = ember_requantize(acc, ember_q_at(q->multiplier, qi), ember_q_shift(q, qi), y_zp,
                                            q->act_min, q->act_max);
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_weighted(&ember_op_fully_connected, a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    int64_t rows = 1;
    (void)err;
    for (int d = 0; d < x->rank - 1; d++) rows *= x->shape[d];
    fully_connected_i8((const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                       (int8_t *)a->out->data, rows, w->shape[1], w->shape[0], a->q, x->zero_point,
                       a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_fully_connected_int8 = {"FULLY_CONNECTED", check, eval};
