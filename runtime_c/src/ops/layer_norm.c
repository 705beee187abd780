/* LAYER_NORM, float32, over dimensions [axis, rank):
 *   out = (x - mean) / sqrt(var + epsilon) * weight + bias
 * with the biased variance; mean, variance and the normalization are computed in double,
 * as the Python runtime does. weight and bias (each optional) have the normalized shape
 * x.shape[axis:]. */
#include "op.h"

typedef struct ln_job { const float *x, *w, *b; float *y; int64_t n; float epsilon; } ln_job;

/* x, y: (rows, n); w, b: (n) or NULL. Rows [begin, end). */
static void layer_norm_f32(const void *ctx, int64_t begin, int64_t end) {
    const ln_job *t = (const ln_job *)ctx;
    const float *x = t->x, *w = t->w, *b = t->b;
    float *y = t->y;
    int64_t n = t->n;
    float epsilon = t->epsilon;
    if (n == 0) return;
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * n;   /* (n) */
        float *yr = y + r * n;         /* (n) */
        double sum = 0.0, sq = 0.0;
        for (int64_t i = 0; i < n; i++) sum += (double)xr[i];
        double mean = sum / (double)n;
        for (int64_t i = 0; i < n; i++) {
            double d = (double)xr[i] - mean;
            sq += d * d;
        }
        double denom = sqrt(sq / (double)n + (double)epsilon);
        for (int64_t i = 0; i < n; i++) {
            double v = ((double)xr[i] - mean) / denom;
            if (w != NULL) v *= (double)w[i];
            if (b != NULL) v += (double)b[i];
            yr[i] = (float)v;
        }
    }
}

/* An affine operand must have exactly the normalized shape x.shape[axis:]. */
static int normalized_shape(const ember_tensor *t, const ember_tensor *x, int axis) {
    if (t == NULL) return 1;
    if (t->dtype != EMBER_DTYPE_FLOAT32 || t->rank != x->rank - axis) return 0;
    for (int d = 0; d < t->rank; d++)
        if (t->shape[d] != x->shape[axis + d]) return 0;
    return 1;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->n_in > 1 ? a->in[1] : NULL, *b = a->n_in > 2 ? a->in[2] : NULL;
    int axis = a->p->layer_norm.axis;
    char xs[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || a->out->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be FLOAT32");
    ember_status s = ember_check_same_shape(x, a->out, err);
    if (s != EMBER_OK) return s;
    if (axis < 0 || axis >= x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)x->rank);
    if (!normalized_shape(w, x, axis) || !normalized_shape(b, x, axis))
        return ember_fail(err, EMBER_ERR_VERIFY, "weight and bias must be FLOAT32 of shape %s[%d:]",
                          ember_shape_str(x, xs, sizeof xs), axis);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->n_in > 1 ? a->in[1] : NULL, *b = a->n_in > 2 ? a->in[2] : NULL;
    int axis = a->p->layer_norm.axis;
    int64_t rows = 1, n = 1;
    (void)err;
    for (int d = 0; d < axis; d++) rows *= x->shape[d];
    for (int d = axis; d < x->rank; d++) n *= x->shape[d];
    ln_job job = {(const float *)x->data, w ? (const float *)w->data : NULL, b ? (const float *)b->data : NULL,
                  (float *)a->out->data, n, a->p->layer_norm.epsilon};
    ember_threads_for(a->threads, rows, n > 0 && n < 8192 ? 8192 / n : 1, layer_norm_f32, &job);
    return EMBER_OK;
}

const ember_op_impl ember_op_layer_norm = {"LAYER_NORM", check, eval, NULL};
