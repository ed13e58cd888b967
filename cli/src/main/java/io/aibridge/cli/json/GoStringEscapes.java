package io.aibridge.cli.json;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * String escaping as Go's {@code encoding/json} with HTML escaping on (its default): {@code <},
 * {@code >}, {@code &}, U+2028 and U+2029 as six-character escapes (backslash, u, four hex
 * digits); control characters as {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f} or a
 * six-character escape with lower-case hex (Jackson's own escapes use upper case).
 */
final class GoStringEscapes extends CharacterEscapes {

    private final int[] ascii;

    GoStringEscapes() {
        ascii = standardAsciiEscapesForJSON();
        for (int c = 0; c < 0x20; c++) {
            if (ascii[c] == ESCAPE_STANDARD) {
                ascii[c] = ESCAPE_CUSTOM;
            }
        }
        ascii['<'] = ESCAPE_CUSTOM;
        ascii['>'] = ESCAPE_CUSTOM;
        ascii['&'] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        if (ch < 0x80 ? ascii[ch] == ESCAPE_CUSTOM : ch == 0x2028 || ch == 0x2029) {
            return new SerializedString(String.format("\\u%04x", ch));
        }
        return null;
    }
}
