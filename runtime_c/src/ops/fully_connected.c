/* FULLY_CONNECTED: out[..., n] = sum_k x[..., k] * w[n, k] + bias[n], then the fused activation.
 * x: (..., K); w: (N, K); bias: (N) or NULL; out: (..., N). */
#include "op.h"

static void fully_connected_f32(const float *x, const float *w, const float *bias, float *y, int64_t rows,
                                int64_t k, int64_t n, int32_t activation) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * k;          /* (K) */
        for (int64_t j = 0; j < n; j++) {
            const float *wj = w + j * k;      /* (K) */
            float acc = 0.0f;
            for (int64_t i = 0; i < k; i++) acc += xr[i] * wj[i];
            y[r * n + j] = ember_activate(acc + (bias ? bias[j] : 0.0f), activation);
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    char xs[96], ws[48], ys[96];
    int ok = w->rank == 2 && x->rank >= 1 && y->rank == x->rank && x->shape[x->rank - 1] == w->shape[1] &&
             y->shape[y->rank - 1] == w->shape[0];
    for (int d = 0; ok && d < x->rank - 1; d++) ok = x->shape[d] == y->shape[d];
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s, weight %s, output %s inconsistent",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(w, ws, sizeof ws),
                          ember_shape_str(y, ys, sizeof ys));
    if (b != NULL && (b->rank != 1 || b->shape[0] != w->shape[0]))
        return ember_fail(err, EMBER_ERR_VERIFY, "bias must have shape (%lld)", (long long)w->shape[0]);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    int64_t k = w->shape[1], n = w->shape[0], rows = 1;
    (void)err;
    for (int d = 0; d < x->rank - 1; d++) rows *= x->shape[d];
    fully_connected_f32((const float *)x->data, (const float *)w->data, b ? (const float *)b->data : NULL,
                        (float *)a->out->data, rows, k, n, a->p->act.activation);
    return EMBER_OK;
}

const ember_op_impl ember_op_fully_connected = {"FULLY_CONNECTED", check, eval};
