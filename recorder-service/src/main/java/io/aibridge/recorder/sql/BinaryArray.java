package io.aibridge.recorder.sql;

import org.postgresql.util.PGBinaryObject;
import org.postgresql.util.PGobject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;

/**
 * A one-dimensional PostgreSQL array bound in PostgreSQL's binary format, so that the server
 * copies its elements instead of parsing each one from text: the text form of a uuid or a
 * timestamptz costs PostgreSQL 1.5 to 2 µs per element to parse, the binary form a copy (measured
 * on this project's machine with 10,000 elements, see the recorder's README).
 *
 * <p>The driver sends the binary form only for array types named in the connection's
 * {@code binaryTransferEnable} property (the recorder's data source names all of them). On any
 * other connection it asks for {@link #getValue()}, the same array as an array literal, so the
 * statement still works, only slower.
 *
 * <p>Binary layout (PostgreSQL's {@code array_recv}): number of dimensions, has-nulls flag,
 * element type oid, then per dimension its length and lower bound, then each element as its byte
 * length (-1 for null) followed by its bytes; every integer big-endian.
 */
final class BinaryArray extends PGobject implements PGBinaryObject {

    /** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
    private static final long POSTGRES_EPOCH_MICROS = 946_684_800L * 1_000_000L;

    /** The length of a type whose elements differ in size. */
    private static final int VARIABLE_LENGTH = -1;

    /** The element types the recorder binds, with their oids and binary encodings. */
    enum Type {
        UUID("uuid", 2950, 2951, 16) {
            @Override
            void write(ByteBuffer out, Object value) {
                java.util.UUID uuid = (java.util.UUID) value;
                out.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            }
        },
        /** Rounded to the microsecond, PostgreSQL's precision, as its text input does. */
        TIMESTAMPTZ("timestamptz", 1184, 1185, 8) {
            @Override
            void write(ByteBuffer out, Object value) {
                Instant instant = (Instant) value;
                long micros = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L),
                        (instant.getNano() + 500) / 1_000);
                out.putLong(micros - POSTGRES_EPOCH_MICROS);
            }
        },
        INT8("int8", 20, 1016, 8) {
            @Override
            void write(ByteBuffer out, Object value) {
                out.putLong(((Number) value).longValue());
            }
        },
        INT4("int4", 23, 1007, 4) {
            @Override
            void write(ByteBuffer out, Object value) {
                out.putInt(((Number) value).intValue());
            }
        },
        BOOL("bool", 16, 1000, 1) {
            @Override
            void write(ByteBuffer out, Object value) {
                out.put((byte) (((Boolean) value) ? 1 : 0));
            }
        },
        /** Elements are the UTF-8 bytes of the text (the driver's connections always use UTF-8). */
        TEXT("text", 25, 1009, VARIABLE_LENGTH) {
            @Override
            Object prepare(Object value) {
                return value.toString().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            int length(Object value) {
                return ((byte[]) value).length;
            }

            @Override
            void write(ByteBuffer out, Object value) {
                out.put((byte[]) value);
            }

            @Override
            String literal(Object value) {
                return new String((byte[]) value, StandardCharsets.UTF_8);
            }
        };

        final String name;
        final int elementOid;
        final int arrayOid;
        private final int fixedLength;

        Type(String name, int elementOid, int arrayOid, int fixedLength) {
            this.name = name;
            this.elementOid = elementOid;
            this.arrayOid = arrayOid;
            this.fixedLength = fixedLength;
        }

        /** What is kept of a non-null element until it is written (the text's bytes are made once). */
        Object prepare(Object value) {
            return value;
        }

        /** The byte length of a prepared non-null element. */
        int length(Object value) {
            return fixedLength;
        }

        abstract void write(ByteBuffer out, Object value);

        /** The element's text form in an array literal, before quoting. */
        String literal(Object value) {
            return value.toString();
        }
    }

    private final Type elementType;
    private final Object[] elements;
    private final int byteLength;
    private final boolean hasNulls;

    BinaryArray(Type elementType, Collection<?> values) {
        this.elementType = elementType;
        this.elements = new Object[values.size()];
        int length = 12 + (values.isEmpty() ? 0 : 8);
        boolean nulls = false;
        int i = 0;
        for (Object value : values) {
            Object element = value == null ? null : elementType.prepare(value);
            elements[i++] = element;
            nulls |= element == null;
            length += 4 + (element == null ? 0 : elementType.length(element));
        }
        this.byteLength = length;
        this.hasNulls = nulls;
        this.type = elementType.name + "[]";
    }

    @Override
    public int lengthInBytes() {
        return byteLength;
    }

    @Override
    public void toBytes(byte[] bytes, int offset) {
        ByteBuffer out = ByteBuffer.wrap(bytes, offset, byteLength);
        out.putInt(elements.length == 0 ? 0 : 1).putInt(hasNulls ? 1 : 0).putInt(elementType.elementOid);
        if (elements.length > 0) {
            out.putInt(elements.length).putInt(1);
        }
        for (Object element : elements) {
            if (element == null) {
                out.putInt(-1);
            } else {
                out.putInt(elementType.length(element));
                elementType.write(out, element);
            }
        }
    }

    @Override
    public void setByteValue(byte[] value, int offset) {
        throw new UnsupportedOperationException("a BinaryArray is only ever sent, never read");
    }

    /** The array as a literal, for a connection that does not send this type in binary. */
    @Override
    public String getValue() {
        StringBuilder literal = new StringBuilder(16 * elements.length + 2).append('{');
        for (int i = 0; i < elements.length; i++) {
            if (i > 0) {
                literal.append(',');
            }
            if (elements[i] == null) {
                literal.append("NULL");
                continue;
            }
            literal.append('"');
            String text = elementType.literal(elements[i]);
            for (int c = 0; c < text.length(); c++) {
                char ch = text.charAt(c);
                if (ch == '"' || ch == '\\') {
                    literal.append('\\');
                }
                literal.append(ch);
            }
            literal.append('"');
        }
        return literal.append('}').toString();
    }
}
