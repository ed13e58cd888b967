package io.aibridge.query.search;

import io.aibridge.query.api.ApiException;

/** {@code limit}, {@code offset} and {@code include_count} with the reference's messages. */
public final class Paging {

    private Paging() {
    }

    /** The page size: {@code defaultLimit} when absent, otherwise 1 to {@code max}. */
    public static int limit(QueryParams params, int defaultLimit, int max) {
        String value = params.get("limit").orElse(null);
        if (value == null) {
            return defaultLimit;
        }
        int limit = parseInt(value, -1);
        if (limit < 1 || limit > max) {
            throw ApiException.badRequest("Invalid pagination limit value.", "limit",
                    "Pagination limit must be in range (0, " + max + "]");
        }
        return limit;
    }

    /** The number of items to skip: 0 when absent, otherwise a non-negative integer. */
    public static int offset(QueryParams params) {
        String value = params.get("offset").orElse(null);
        if (value == null) {
            return 0;
        }
        int offset = parseInt(value, -1);
        if (offset < 0) {
            throw ApiException.badRequest("Query parameter has invalid value.", "offset",
                    "Query parameter \"offset\" must be a non-negative integer of at most " + Integer.MAX_VALUE);
        }
        return offset;
    }

    /** Offset and a keyset cursor exclude each other (an offset of 0 is no offset, as in the reference). */
    public static void rejectOffsetWithCursor(QueryParams params, int offset, String cursor) {
        if (offset != 0 && params.has(cursor)) {
            throw ApiException.badRequest("Query parameters have invalid values.", "offset",
                    "Cannot use both " + cursor + " and offset pagination in the same request.");
        }
    }

    /**
     * {@code include_count} (ours): whether a list counts every match for its {@code count}; true when
     * absent, as the reference always counts. A walk needs the count on its first page only.
     */
    public static boolean includeCount(QueryParams params) {
        String value = params.get("include_count").orElse("true");
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest("Query parameter has invalid value.", "include_count",
                    "Query parameter \"include_count\" must be true or false");
        };
    }

    private static int parseInt(String value, int invalid) {
        if (!value.matches("[0-9]{1,10}")) {
            return invalid;
        }
        long parsed = Long.parseLong(value);
        return parsed > Integer.MAX_VALUE ? invalid : (int) parsed;
    }
}
