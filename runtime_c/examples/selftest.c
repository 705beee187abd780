/* Bundled test cases: set inputs from the file, run, compare with the expected outputs. */
#include "selftest.h"

#include <math.h>
#include <string.h>

static double element(const void *data, ember_dtype dtype, size_t i) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: return (double)((const float *)data)[i];
    case EMBER_DTYPE_INT8: return (double)((const int8_t *)data)[i];
    case EMBER_DTYPE_INT32: return (double)((const int32_t *)data)[i];
    case EMBER_DTYPE_INT64: return (double)((const int64_t *)data)[i];
    case EMBER_DTYPE_BOOL: case EMBER_DTYPE_UINT8: return (double)((const uint8_t *)data)[i];
    case EMBER_DTYPE_FLOAT16: return ember_half_to_double(((const uint16_t *)data)[i]);
    case EMBER_DTYPE_FLOAT64: return ((const double *)data)[i];
    }
    return 0.0;
}

ember_status selftest_run(ember_method *m, const selftest_state *state, const char *label, FILE *log,
                          selftest_result *r) {
    memset(r, 0, sizeof *r);
    int32_t cases = ember_method_test_case_count(m);
    for (int32_t c = 0; c < cases; c++) {
        ember_tensor_info in, want, got;
        float atol = 0.0f, rtol = 0.0f;
        ember_status s;
        if (state != NULL && state->program != NULL &&   /* each case from the initial state */
            (s = ember_program_state_init(state->program, state->data, state->bytes)) != EMBER_OK)
            return s;
        for (int32_t j = 0; j < ember_method_input_count(m); j++) {
            if ((s = ember_method_test_case_tensor(m, c, 0, j, &in, &atol, &rtol)) != EMBER_OK) return s;
            if ((s = ember_method_set_input(m, j, in.dtype, in.shape, in.rank, in.data, in.nbytes)) != EMBER_OK) return s;
        }
        if ((s = ember_method_run(m)) != EMBER_OK) return s;
        int case_failed = 0;
        for (int32_t j = 0; j < ember_method_output_count(m); j++) {
            if ((s = ember_method_test_case_tensor(m, c, 1, j, &want, &atol, &rtol)) != EMBER_OK) return s;
            if ((s = ember_method_output(m, j, &got)) != EMBER_OK) return s;
            int ok = got.dtype == want.dtype && got.rank == want.rank && got.nbytes == want.nbytes;
            for (int d = 0; ok && d < got.rank; d++) ok = got.shape[d] == want.shape[d];
            double max_abs = 0.0, max_rel = 0.0;
            size_t n = ok ? got.nbytes / ember_dtype_size(got.dtype) : 0;
            for (size_t i = 0; i < n; i++) {
                double g = element(got.data, got.dtype, i), w = element(want.data, want.dtype, i);
                if (g == w) continue;                       /* also equal infinities */
                double diff = isnan(g) || isnan(w) ? (double)INFINITY : fabs(g - w);
                if (diff > max_abs) max_abs = diff;
                double rel = diff / (fabs(w) > 1e-30 ? fabs(w) : 1e-30);
                if (rel > max_rel) max_rel = rel;
                if (diff > (double)atol + (double)rtol * fabs(w)) ok = 0;
            }
            if (max_abs > r->max_abs) r->max_abs = max_abs;
            if (max_rel > r->max_rel) r->max_rel = max_rel;
            if (log)
                fprintf(log, "%s %s case %d output %d (%s): max abs err %.3e, max rel err %.3e (atol %g, rtol %g)\n",
                        ok ? "PASS" : "FAIL", label, (int)c, (int)j, got.name, max_abs, max_rel, (double)atol,
                        (double)rtol);
            case_failed |= !ok;
        }
        r->cases++;
        r->failed += case_failed;
    }
    return EMBER_OK;
}
