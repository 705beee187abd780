/* The elementwise families' shared code: the typed rows' checks and walks of the unary
 * ops (unary.h), the comparisons and logical ops (compare.h) and the arithmetic ops
 * (arith.h). Each op's file gives only its formula. */
#include "arith.h"
#include "compare.h"
#include "unary.h"

/* ---- unary (unary.h) -------------------------------------------------------------------- */
ember_status ember_unary_check(const ember_op_args *a, uint8_t dtype, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    if (x->dtype != dtype || out->dtype != dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must be %s", (int)x->dtype,
                          (int)out->dtype, dtype == EMBER_DTYPE_BOOL ? "BOOL" : "FLOAT32");
    return ember_check_same_shape(x, out, err);
}

ember_status ember_unary_f32_check(const ember_op_args *a, ember_error *err) {
    return ember_unary_check(a, EMBER_DTYPE_FLOAT32, err);
}

typedef struct unary_f32_job { const float *x; float *y; ember_unary_f32_fn row; } unary_f32_job;

/* Elements [begin, end) of the job. */
static void unary_f32_range(const void *ctx, int64_t begin, int64_t end) {
    const unary_f32_job *j = (const unary_f32_job *)ctx;
    j->row(j->x + begin, j->y + begin, end - begin);
}

void ember_unary_f32_eval(const ember_op_args *a, ember_unary_f32_fn row, int64_t grain) {
    unary_f32_job job = {(const float *)a->in[0]->data, (float *)a->out->data, row};
    ember_threads_for(a->threads, a->out->count, grain, unary_f32_range, &job);
}

/* Whether rows has a row for dtype. */
static int unary_takes(const ember_unary_rows *r, uint8_t dtype) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: return r->f32 != NULL;
    case EMBER_DTYPE_INT8: return r->i8 != NULL;
    case EMBER_DTYPE_UINT8: return r->u8 != NULL;
    case EMBER_DTYPE_INT32: return r->i32 != NULL;
    case EMBER_DTYPE_INT64: return r->i64 != NULL;
    case EMBER_DTYPE_BOOL: return r->truth != NULL;
    default: return 0;
    }
}

ember_status ember_unary_typed_check(const ember_op_args *a, const ember_unary_rows *rows, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    if (x->dtype != out->dtype || !unary_takes(rows, out->dtype))
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: input and output must share a %sdtype",
                          (int)x->dtype, (int)out->dtype, rows->truth != NULL ? "" : "numeric ");
    return ember_check_same_shape(x, out, err);
}

void ember_unary_typed_eval(const ember_op_args *a, const ember_unary_rows *rows) {
    const void *x = a->in[0]->data;
    void *y = a->out->data;
    int64_t n = a->out->count;
#define ROW(T, FN) rows->FN((const T *)x, (T *)y, n)
    EMBER_DTYPE_SWITCH(a->out->dtype, ROW, ROW(uint8_t, truth));
#undef ROW
}

/* ---- binary walks (compare.h, arith.h) -------------------------------------------------- */
/* What a row of a binary op reads: the operands, the dtype of a and b, the op's rows. */
typedef struct binary_ctx {
    const void *a, *b;
    void *y;
    uint8_t dtype;
    int32_t activation;
    const void *rows;   /* ember_compare_rows or ember_arith_rows */
} binary_ctx;

/* Walks out's shape by broadcast rows (split over threads), calling row on each. */
static void binary_walk(const ember_op_args *a, ember_bcast_row_fn row, const void *rows, int32_t activation) {
    binary_ctx c = {a->in[0]->data, a->in[1]->data, a->out->data, a->in[0]->dtype, activation, rows};
    ember_bcast_iter it;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, row, &c, a->threads);
}

/* ---- comparisons (compare.h) ----------------------------------------------------------- */
static void compare_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                        int64_t dc) {
    const binary_ctx *c = (const binary_ctx *)ctx;
    const ember_compare_rows *r = (const ember_compare_rows *)c->rows;
    uint8_t *y = (uint8_t *)c->y + o;   /* BOOL */
    (void)ic, (void)dc;
#define ROW(T, FN) r->FN((const T *)c->a + ia, (const T *)c->b + ib, y, n, da, db)
    EMBER_DTYPE_SWITCH(c->dtype, ROW, ROW(uint8_t, truth));
#undef ROW
}

ember_status ember_logical_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != EMBER_DTYPE_BOOL || y->dtype != EMBER_DTYPE_BOOL || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs and output must be BOOL",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

ember_status ember_compare_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != y->dtype || x->dtype > EMBER_DTYPE_UINT8 || out->dtype != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs must share a dtype, output must be BOOL",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

void ember_compare_eval(const ember_op_args *a, const ember_compare_rows *rows) {
    binary_walk(a, compare_row, rows, EMBER_ACT_NONE);
}

/* ---- arithmetic (arith.h) --------------------------------------------------------------- */
static void arith_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                      int64_t dc) {
    const binary_ctx *c = (const binary_ctx *)ctx;
    const ember_arith_rows *r = (const ember_arith_rows *)c->rows;
    (void)ic, (void)dc;
#define ROW(T, FN) r->FN((const T *)c->a + ia, (const T *)c->b + ib, (T *)c->y + o, n, da, db, c->activation)
    EMBER_DTYPE_SWITCH(c->dtype, ROW, (void)0);   /* BOOL: refused by the check */
#undef ROW
}

ember_status ember_arith_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->in[1], *out = a->out;
    if (x->dtype != out->dtype || y->dtype != out->dtype || out->dtype == EMBER_DTYPE_BOOL ||
        out->dtype > EMBER_DTYPE_UINT8)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d, %d -> %d: inputs and output must share a numeric dtype",
                          (int)x->dtype, (int)y->dtype, (int)out->dtype);
    return ember_check_broadcast_result(x, y, out, err);
}

void ember_arith_eval(const ember_op_args *a, const ember_arith_rows *rows) {
    binary_walk(a, arith_row, rows, a->p->act.activation);
}
