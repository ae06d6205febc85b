/* SPDX-License-Identifier: GPL-2.0-or-later
 * test_changed.c — a recording cut, grown or replaced while it is being read is
 * detected (pt_reader_unchanged: size, identity and modification time against the
 * stamp taken at open), and an untouched one is not. The change is made between two
 * blocks by this test itself, so the check is deterministic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_test_util.h"

#define NEED(c)                                                                                    \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: setup failed: %s\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *make_csv(const char *name, size_t rows)
{
    const char *path = io_tmp_path(name);
    FILE *f = fopen(path, "wb");
    NEED(f);
    fprintf(f, "t_s,ppg,acc_x,acc_y,acc_z\n");
    for (size_t i = 0; i < rows; i++)
        fprintf(f, "%.5f,%.3f,0.01,0.02,0.99\n", (double)i / 32.0, (double)(i % 17));
    fclose(f);
    return path;
}

/* Open, read one block, let `change` alter the file, read to the end; the check's status. */
static int read_with_change(const char *path, void (*change)(const char *), pt_error *err)
{
    pt_reader *r = pt_reader_open(path, NULL, err);
    NEED(r);
    pt_block *b = pt_block_create(pt_reader_info(r), 256, err);
    NEED(b);
    int rc = pt_reader_read(r, b, err);
    PT_CHECK(rc == PT_OK);
    if (change)
        change(path);
    for (;;) {
        if ((rc = pt_reader_read(r, b, err)))
            break;
        size_t tot = 0;
        for (size_t c = 0; c < b->nchan; c++)
            tot += b->n[c];
        if (!tot)
            break;
    }
    if (rc == PT_OK)
        rc = pt_reader_unchanged(r, err);
    pt_block_destroy(b);
    pt_reader_close(r);
    return rc;
}

static void cut_at_line_end(const char *path)
{
    FILE *f = fopen(path, "rb");
    NEED(f);
    fseek(f, 0, SEEK_END);
    long half = ftell(f) / 2;
    fseek(f, half, SEEK_SET);
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n')
        half++;
    fclose(f);
    NEED(truncate(path, half + 1) == 0);
}

static void grow(const char *path)
{
    FILE *f = fopen(path, "ab");
    NEED(f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "%.5f,1.0,0.01,0.02,0.99\n", 5000.0 + i / 32.0);
    fclose(f);
}

static void replace(const char *path) /* a new file under the same name (copy + rename) */
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "wb");
    NEED(f);
    fprintf(f, "t_s,ppg,acc_x,acc_y,acc_z\n0,1,0,0,1\n");
    fclose(f);
    NEED(rename(tmp, path) == 0);
}

PT_TEST(untouched_file_passes)
{
    pt_error err = {0};
    PT_CHECK(read_with_change(make_csv("same.csv", 20000), NULL, &err) == PT_OK);
}

PT_TEST(cut_while_read_is_bad_data)
{
    pt_error err = {0};
    const char *path = make_csv("cut.csv", 20000);
    PT_CHECK(read_with_change(path, cut_at_line_end, &err) == PT_EDATA);
    PT_CHECK(strstr(err.msg, "changed while being read") != NULL);
    PT_CHECK(strstr(err.msg, "cut.csv") != NULL);
}

PT_TEST(grown_while_read_is_bad_data)
{
    pt_error err = {0};
    PT_CHECK(read_with_change(make_csv("grow.csv", 20000), grow, &err) == PT_EDATA);
    PT_CHECK(strstr(err.msg, "changed while being read") != NULL);
}

PT_TEST(replaced_while_read_is_bad_data)
{
    pt_error err = {0};
    PT_CHECK(read_with_change(make_csv("repl.csv", 20000), replace, &err) == PT_EDATA);
}

int main(int argc, char **argv)
{
    return pt_test_main_rmdir(argc, argv, io_tmpdir);
}
