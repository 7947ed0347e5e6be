"""A full build's tables written whole come packed (see bot.build.packed)."""
import sqlite3

from bot.build.packed import fill_packed


def test_fill_packed_writes_the_rows_in_fewer_pages(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("pragma page_size = 8192")
    for table in ("ordered", "packed"):
        conn.execute(f"create table {table} (word text, n integer, note text, primary key (word, n desc)) without rowid")
    conn.execute("attach '' as scratch")
    rows = [(f"word{n % 5000:05d}", n, "x" * (n % 17)) for n in range(30_000)]
    conn.execute("create table source (word text, n integer, note text)")
    conn.executemany("insert into source values (?, ?, ?)", rows)
    conn.execute("insert into ordered select * from source order by word, n desc")
    fill_packed(conn, "packed", "select * from source order by word, n desc")

    def pages(table: str) -> int:
        return conn.execute("select count(*) from dbstat where name = ?", (table,)).fetchone()[0]

    assert pages("packed") < 0.92 * pages("ordered")
    assert conn.execute("select * from packed").fetchall() == conn.execute("select * from ordered").fetchall()
    assert conn.execute("select count(*) from scratch.sqlite_master").fetchone() == (0,)  # the twin is gone
