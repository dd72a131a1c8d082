"""Reads whose SQL is compiled once per process, database and shape of their arguments.

Django compiles a QuerySet to SQL each time it is evaluated. For the page of 50 cards that every
list read by id (now from the term sets, and from the database only while they keep no cards),
that was half the read (0.6 ms of 1.2 on SQLite at 100,000 terms, against
0.16 ms for the database's own work); an article's six reads spent 4 ms compiling. A
`PreparedRead` builds its QuerySet (a QuerySet method, as any other read) once with marker values
in place of its arguments (the moment that decides what is published, ids, a slug). It compiles
that once, then runs the SQL with each request's values, converts the rows with the compiler's
own converters and makes the instances as Django's ModelIterable does: `Model.from_db`, the
related rows of select_related(), the QuerySet's fetch mode; or, for values_list(), the rows
(their first values, if flat). A read the SQL alone cannot answer is refused: prefetches, values()
(dictionaries), and arguments that do not reach the SQL as parameters.
"""

from contextlib import contextmanager
from copy import copy
from datetime import UTC, datetime, timedelta
from weakref import ref as weak_ref

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

ID_MARK = -(2**62)  # the markers of ids are ID_MARK, ID_MARK + 1, …: values no id takes
NOW_MARK = datetime(2000, 1, 1, 0, 0, 0, 123457, tzinfo=UTC)  # a moment's, plus a second per argument
TEXT_MARK = "\u2063prepared:"  # a text's, plus the argument's position
CONSTANT = "constant"


class PreparedRead:
    def __init__(self, build):
        """`build(*arguments)`: a QuerySet that depends on its arguments only through parameters
        of its SQL. An argument is a moment (an aware datetime), an id, a text (a slug, say) or a
        list of ids; a statement is compiled for each number of ids a list has. The QuerySet must
        use each argument as it is given: a value made from one (the end of a prefix's range, a
        text in lower case) would be compiled in with the first call's value, and only an
        argument missing from the parameters is detected."""
        self.build = build
        self.statements = {}  # {(database, shape of the arguments): Statement, or None for no rows}

    def __call__(self, *arguments, using="default"):
        """The instances that the QuerySet built from `arguments` finds, in its order."""
        return self.send(*arguments, using=using)()

    def send(self, *arguments, using="default"):
        """Sends the read: calling what it returns gives what `__call__` would. Within
        `together()`, the reads sent go to the database in one round trip."""
        key = (using, tuple(len(value) if isinstance(value, list) else type(value) for value in arguments))
        if key not in self.statements:
            self.statements[key] = Statement.compile(self.build, arguments, using)
        statement = self.statements[key]
        return statement.send(arguments, using) if statement else list  # list(): nothing found


@contextmanager
def together(using="default"):
    """Reads sent within it (`PreparedRead.send`) are sent to PostgreSQL in one round trip, in
    psycopg's pipeline mode (an article's five reads: 0.5 ms to 0.2); elsewhere one by one."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


class Statement:
    def __init__(self, queryset, compiler, sql, parameters):
        self.compiler, self.sql = compiler, sql
        # Where each parameter comes from: (position of an argument, index in it if it is a list,
        # else None), or (CONSTANT, the value).
        self.parameters = parameters
        self.fetch_mode = queryset._fetch_mode
        self.last = None  # what `on` gave last
        self.rows = queryset._iterable_class  # ModelIterable, or the rows of values_list()
        if self.rows is ModelIterable:
            info = compiler.klass_info
            self.model = info["model"]
            self.start, self.stop = info["select_fields"][0], info["select_fields"][-1] + 1
            self.names = [column.target.attname for column, _, _ in compiler.select[self.start : self.stop]]

    @classmethod
    def compile(cls, build, arguments, using):
        """The statement of `build` for arguments shaped like `arguments`; None if it finds nothing
        whatever their values (an empty list of ids)."""
        connection = connections[using]
        markers, marked = {}, []
        for position, value in enumerate(arguments):
            if isinstance(value, list):
                marked.append([ID_MARK + len(markers) + n for n in range(len(value))])
                markers |= {marker: (position, n) for n, marker in enumerate(marked[-1])}
            elif isinstance(value, datetime):
                marked.append(NOW_MARK + timedelta(seconds=position))
                markers[connection.ops.adapt_datetimefield_value(marked[-1])] = (position, None)
            elif isinstance(value, int):
                marked.append(ID_MARK + len(markers))
                markers[marked[-1]] = (position, None)
            elif isinstance(value, str):
                marked.append(f"{TEXT_MARK}{position}")
                markers[marked[-1]] = (position, None)
            else:
                raise ValueError(f"An argument is a moment, an id, a text or a list of ids, not {value!r}.")
        queryset = build(*marked)
        rows = (ModelIterable, ValuesListIterable, FlatValuesListIterable)
        if queryset._iterable_class not in rows or queryset._prefetch_related_lookups:
            raise ValueError(
                "A prepared read makes instances or rows from one query: no values(), no prefetches."
            )
        if queryset._known_related_objects:
            raise ValueError("A prepared read cannot be reached through a related manager.")
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            if any(isinstance(value, list) and not value for value in arguments):
                return None  # an empty list of ids: nothing, whatever the other values
            # Django found that a marker can match nothing (an id beyond a 32-bit field's range):
            # the statement would answer every call with nothing.
            raise ValueError("A prepared read's markers must be values its fields can hold.") from None
        parameters = [_source(param, markers) for param in params]
        if len({parameter for parameter in parameters if parameter[0] is not CONSTANT}) != len(markers):
            raise ValueError("Each argument of a prepared read must be a parameter of its statement.")
        return cls(queryset, compiler, sql, parameters)

    def send(self, arguments, using):
        """Executes the statement; the function returned reads its rows as the read's results."""
        connection = connections[using]
        values = [
            connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
            for value in arguments
        ]
        params = [
            key if position is CONSTANT else values[position] if key is None else values[position][key]
            for position, key in self.parameters
        ]
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, params)
        except BaseException:
            cursor.close()
            raise

        def results():
            with cursor:
                return self.results(cursor.fetchall(), connection, using)

        return results

    def on(self, connection):
        """(connection, the compiler on it, its converters, its fields if one is composite): what
        `converted` needs to read rows as the compiler's `results_iter` does. The converters run on
        the calling thread's connection, not the one the statement was compiled on; they are worked
        out once per connection, where `results_iter` worked them out for every read (0.3 ms of an
        uncached article's six reads)."""
        last = self.last
        if last is None or last[0] is not connection:
            compiler = copy(self.compiler)
            compiler.connection = connection
            fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
            composite = fields if compiler.has_composite_fields(fields) else None
            last = self.last = (connection, compiler, compiler.get_converters(fields), composite)
        return last

    def converted(self, rows, connection):
        """`rows` as the compiler's `results_iter` gives them, and the compiler."""
        _, compiler, converters, composite = self.on(connection)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if composite:
            rows = compiler.composite_fields_to_tuples(rows, composite)
        return rows, compiler

    def results(self, rows, connection, using):
        rows, compiler = self.converted(rows, connection)
        fetch_mode = self.fetch_mode
        if self.rows is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.rows is ValuesListIterable:
            return [tuple(row) for row in rows]
        populators = get_related_populators(compiler.klass_info, compiler.select, using, fetch_mode)
        peers, found = [], []
        for row in rows:
            instance = from_row(self.model, using, self.names, row[self.start : self.stop], fetch_mode, peers)
            for populator in populators:
                populator.populate(row, instance)
            for name, column in compiler.annotation_col_map.items():
                setattr(instance, name, row[column])
            found.append(instance)
        return found


def from_row(model, using, names, values, fetch_mode, peers):
    """An instance of `model` made from the `values` of fields `names` (in the model's order), as
    Django's ModelIterable makes it: with a fetch mode that tracks peers, it joins `peers`, the
    list its read's instances share, so that a field one of them lacks is read for all at once."""
    instance = model.from_db(using, names, values, fetch_mode=fetch_mode)
    if fetch_mode.track_peers:
        peers.append(weak_ref(instance))
        instance._state.peers = peers
    return instance


def _source(param, markers):
    try:
        return markers.get(param, (CONSTANT, param))
    except TypeError:  # unhashable: a list (PostgreSQL's arrays), never a marker
        return (CONSTANT, param)
