/* Bounds-checked FlatBuffer reading over an untrusted buffer.
 *
 * Every accessor checks its range against the buffer and fails with a message
 * instead of reading outside it. The loader uses these to walk the whole file
 * once; after that, the method reads the same (verified) fields again with the
 * same accessors, which cannot fail any more.
 *
 *   table:   [soffset32 to vtable][fields...]      vtable: [u16 vt_bytes][u16 table_bytes][u16 field offsets...]
 *   vector:  [u32 length][elements...]             string: vector of bytes + NUL
 *   an offset field holds a u32 relative to its own position.
 */
#ifndef EMBER_FB_H
#define EMBER_FB_H

#include <stdint.h>
#include <string.h>

#include "internal.h"

typedef struct fb_buf { const uint8_t *b; size_t n; } fb_buf;
typedef struct fb_table { uint32_t pos, vt; uint16_t vt_bytes, t_bytes; } fb_table;
typedef struct fb_vec { uint32_t pos; uint32_t len; } fb_vec;   /* pos: first element */

static inline uint16_t fb_u16(const fb_buf *f, size_t at) {
    return (uint16_t)(at + 2 <= f->n ? (f->b[at] | (f->b[at + 1] << 8)) : 0);
}
static inline uint32_t fb_u32(const fb_buf *f, size_t at) {
    if (at + 4 > f->n) return 0;
    return (uint32_t)f->b[at] | ((uint32_t)f->b[at + 1] << 8) | ((uint32_t)f->b[at + 2] << 16) |
           ((uint32_t)f->b[at + 3] << 24);
}
static inline uint64_t fb_u64(const fb_buf *f, size_t at) {
    if (at + 8 > f->n) return 0;
    return (uint64_t)fb_u32(f, at) | ((uint64_t)fb_u32(f, at + 4) << 32);
}
static inline int64_t fb_i64(const fb_buf *f, size_t at) { return (int64_t)fb_u64(f, at); }
static inline int32_t fb_i32(const fb_buf *f, size_t at) { return (int32_t)fb_u32(f, at); }
static inline float fb_f32(const fb_buf *f, size_t at) {
    uint32_t u = fb_u32(f, at);
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}
static inline double fb_f64(const fb_buf *f, size_t at) {
    uint64_t u = fb_u64(f, at);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Checks the table at `pos` and its vtable; fills *t. */
ember_status fb_table_at(const fb_buf *f, uint32_t pos, fb_table *t, ember_error *err, const char *what);
/* Absolute position of field `id` of `size` bytes, 0 when absent; fails when the
 * field lies outside its table. */
ember_status fb_field(const fb_buf *f, const fb_table *t, int id, uint32_t size, uint32_t *at,
                      ember_error *err, const char *what);
/* Field readers with defaults; unchecked variants for fields already verified. */
int64_t fb_read_int(const fb_buf *f, const fb_table *t, int id, uint32_t size, int is_signed, int64_t dflt);
float fb_read_f32(const fb_buf *f, const fb_table *t, int id, float dflt);
double fb_read_f64(const fb_buf *f, const fb_table *t, int id, double dflt);
/* Follows offset field `id` to a table / vector / string. An absent field gives
 * pos 0 (tables) or an empty vector; `required` makes absence an error. */
ember_status fb_sub_table(const fb_buf *f, const fb_table *t, int id, int required, fb_table *out,
                          ember_error *err, const char *what);
ember_status fb_sub_vector(const fb_buf *f, const fb_table *t, int id, uint32_t elem_size,
                           uint32_t elem_align, fb_vec *out, ember_error *err, const char *what);
ember_status fb_sub_string(const fb_buf *f, const fb_table *t, int id, uint32_t *pos,
                           ember_error *err, const char *what);
/* Table element i of a vector of tables. */
ember_status fb_vec_table(const fb_buf *f, const fb_vec *v, uint32_t i, fb_table *out,
                          ember_error *err, const char *what);
/* The string at pos (from fb_sub_string), or "" for 0. */
static inline const char *fb_str(const fb_buf *f, uint32_t pos) {
    return pos ? (const char *)(f->b + pos) : "";
}

#endif /* EMBER_FB_H */
