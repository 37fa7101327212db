/** How deep a request's JSON may nest: far beyond any A2A message, far below what recursion anywhere minds. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests deeper than `max`, found in one pass without parsing: brackets inside strings do
 * not count. Malformed text is left to JSON.parse to report. Checked before parsing, so a deeply nested body
 * (valid JSON that would later meet recursive code: validation, logging, re-serialisation) is refused
 * cheaply and precisely instead of costing a stack.
 */
export const nestsDeeperThan = (text: string, max: number = MAX_JSON_DEPTH): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
};
