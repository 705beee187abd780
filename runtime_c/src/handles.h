/* The layouts behind the opaque ember_program and ember_method handles. */
#ifndef EMBER_HANDLES_H
#define EMBER_HANDLES_H

#include "fb.h"
#include "ops/op.h"

/* Field ids of the schema's tables (M_*, T_*, ...): schema.h, generated. */

#define EMBER_PROGRAM_MAGIC 0x454d4250u   /* "EMBP": loaded and verified */
#define EMBER_METHOD_MAGIC 0x454d424du    /* "EMBM": initialised */

struct ember_program {
    uint32_t magic;              /* EMBER_PROGRAM_MAGIC once verified; 0 otherwise */
    fb_buf f;                    /* the caller's file buffer */
    fb_table root;               /* Program table */
    fb_vec methods, metadata;    /* vectors of tables */
    uint64_t seg_offset, seg_size;
    fb_vec state;                /* Program.state: vector of StateTensor tables (schema 2.4) */
    uint64_t state_size;         /* bytes of state memory the caller supplies; 0: no state */
    int32_t state_sorted;        /* the state tensors' offsets strictly increase (binary search) */
    uint16_t version_major, version_minor;
    char message[EMBER_MESSAGE_BYTES];
};

/* One operator, prepared at init. */
typedef struct ember_node {
    const ember_op_impl *impl;
    uint32_t first;              /* into method->indices: n_in inputs, then n_out outputs */
    uint16_t n_in, n_out, opcode;
    uint32_t source;             /* file offset of the source string, 0 if none */
    ember_params params;
    ember_quant quant;
} ember_node;

/* Method memory, all inside the caller's buffer:
 *
 *   [ember_method][ember_tensor x n_tensors][ember_node x n_nodes][int32 indices][pad][arena][scratch 0][scratch 1]...
 *                                                                                   ^ 64-aligned
 * scratch: kernel working memory shared by the ops one after another (GEMM panels),
 * sized at plan time from the ops and weight shapes in the file; 0 bytes when no op needs it.
 * One slice per task of a threaded run (each 64-byte aligned); memory beyond the
 * one-thread total holds the extra slices (ember_method_memory_size_threads).
 */
struct ember_method {
    uint32_t magic;
    const ember_program *program;
    fb_table table;                      /* Method table in the file */
    ember_tensor *tensors;               /* (n_tensors) */
    ember_node *nodes;                   /* (n_nodes) */
    int32_t *indices;                    /* inputs (n_inputs), outputs (n_outputs), then op operands */
    int32_t n_tensors, n_nodes, n_inputs, n_outputs, n_symbols;
    int64_t sym_min[EMBER_MAX_SYMBOLS], sym_max[EMBER_MAX_SYMBOLS];
    int64_t sym_checked[EMBER_MAX_SYMBOLS];  /* sizes the shapes were last prepared for */
    uint8_t *arena;
    uint64_t arena_size;
    uint8_t *scratch;                    /* (scratch_slices, scratch_size), 64-aligned, after the arena */
    size_t scratch_size;
    int32_t scratch_slices;              /* kernel scratch slices the caller's memory holds (>= 1) */
    ember_threads threads;               /* ember_method_set_threads; n = 1 by default */
    ember_profile *profile;              /* ember_method_set_profile (caller's); NULL: off */
    uint8_t *state;                      /* ember_method_set_state (caller's); NULL: none bound */
    fb_vec test_cases;
    char message[EMBER_MESSAGE_BYTES];
};

/* Layout of a method's memory; shared by memory_size and init. */
typedef struct ember_method_layout {
    int32_t n_tensors, n_nodes, n_inputs, n_outputs, n_indices;
    size_t tensors_at, nodes_at, indices_at, arena_at, total;
    uint64_t arena_size, scratch_size;
} ember_method_layout;

/* The most state tensors a program may declare: the loader checks them pairwise when their
 * offsets are not in increasing order. */
#define EMBER_MAX_STATE_TENSORS 4096

ember_status ember_method_find(const ember_program *p, const char *name, fb_table *method, ember_error *err);
ember_status ember_method_plan(const ember_program *p, const fb_table *method, ember_method_layout *l,
                               ember_error *err);
ember_status ember_decode_options(const fb_buf *f, const fb_table *op, int32_t type, ember_params *out,
                                  ember_error *err, const char *what);
/* Decode an operator's QuantParams table (verified by the loader) and a tensor's
 * per-tensor quantization. */
ember_status ember_decode_quant(const fb_buf *f, const fb_table *op, int field, ember_quant *q, ember_error *err);
ember_status ember_tensor_quant(const fb_buf *f, const fb_table *tensor, int field, ember_tensor *x,
                                ember_error *err);
/* Where a tensor's dynamic dimensions are in the (verified) file: its DimExpr vector, its
 * dim_programs vector (0 when absent, schema 2.2) and its declared (maximum) shape. */
typedef struct ember_dim_ref {
    uint32_t dims, programs, n_programs, shape;
    int32_t rank, n_symbols;
} ember_dim_ref;
static inline ember_dim_ref ember_dim_ref_of(const ember_tensor *t, int32_t n_symbols) {
    ember_dim_ref r = {t->dims, t->programs, t->n_programs, t->shape_pos, t->rank, n_symbols};
    return r;
}
/* Every dimension at sizes sym into shape[]. verify: the loader's first evaluation, at the
 * maxima (structure checked, errors EMBER_ERR_VERIFY); otherwise a program's value must lie in
 * 0..the declared size (EMBER_ERR_INPUT: these sizes cannot run). */
ember_status ember_eval_dims(const fb_buf *f, const ember_dim_ref *r, const int64_t *sym, int verify,
                             int64_t *shape, ember_error *err, const char *what);

#endif /* EMBER_HANDLES_H */
