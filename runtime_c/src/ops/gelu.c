/* GELU: x * Phi(x) with GeluOptions.tanh_approximation false: x * (1 + erf(x / sqrt(2))) / 2;
 * true: x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2. In float32 by src/ops/vmath.h
 * (8 lanes at a time where built), within 8 ulp (erf) / 16 ulp (tanh, |x| <= 3) of the
 * exact value; the Python runtime computes in float64 (the C-vs-Python float tolerance).
 * x and out: FLOAT32 of one shape (unary.h's check). */
#include "unary.h"
#include "vmath.h"

typedef struct gelu_job { const float *x; float *y; int32_t tanh_approximation; } gelu_job;

/* Elements [begin, end). */
static void gelu_f32(const void *ctx, int64_t begin, int64_t end) {
    const gelu_job *j = (const gelu_job *)ctx;
    ember_vm_row(j->tanh_approximation ? EMBER_VM_GELU_TANH : EMBER_VM_GELU, j->x + begin, j->y + begin, end - begin);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    gelu_job job = {(const float *)a->in[0]->data, (float *)a->out->data, a->p->gelu.tanh_approximation};
    ember_threads_for(a->threads, a->out->count, 16384, gelu_f32, &job);   /* about 1 ns an element */
    return EMBER_OK;
}

const ember_op_impl ember_op_gelu = {"GELU", ember_unary_f32_check, eval, NULL};
