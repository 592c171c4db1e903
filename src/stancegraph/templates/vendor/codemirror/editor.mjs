// The query page's editor: CodeMirror 6 with the SPARQL mode of @codemirror/legacy-modes,
// bundled into one script (see README.md beside this file for the exact command).
// It exposes one function, window.SparqlEditor.create(textarea, options), that puts an
// editor in place of the textarea and keeps the textarea's value in step with it.
// The editor lives in a shadow root: there CodeMirror's styles go into a constructed
// style sheet, which the page's Content-Security-Policy allows (in the document itself
// they would be a <style> element of its own, which a hash-only policy blocks).
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput,
} from "@codemirror/language";
import {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap,
} from "@codemirror/autocomplete";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

const KEYWORDS = [
  "SELECT", "DISTINCT", "WHERE", "OPTIONAL", "FILTER", "BIND", "VALUES", "UNION", "MINUS",
  "GRAPH", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK", "CONSTRUCT", "DESCRIBE",
  "PREFIX", "COUNT", "SAMPLE", "GROUP_CONCAT", "STR", "LANG", "REGEX", "CONTAINS", "STRSTARTS",
  "COALESCE", "IF", "NOT EXISTS", "EXISTS", "YEAR", "LCASE", "UCASE", "DESC", "ASC", "AS",
];

/** Completions: prefixes (as `sg:` and, after PREFIX, with their IRI), the terms known
 *  under a prefix (`sg:dec` -> `sg:declines`), and keywords. */
function completions(prefixes, terms) {
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const declare = /PREFIX\s+([A-Za-z][\w-]*)?$/i.exec(before);
    if (declare) {
      const from = context.pos - (declare[1] || "").length;
      return {
        from,
        options: Object.entries(prefixes).map(([p, iri]) => ({
          label: p + ": <" + iri + ">", type: "namespace", detail: "prefix",
        })),
      };
    }
    const term = /([A-Za-z][\w-]*):([\w-]*)$/.exec(before);
    if (term && prefixes[term[1]]) {
      const known = terms[term[1]] || [];
      return {
        from: context.pos - term[2].length,
        options: known.map((t) => ({ label: t, type: "property", detail: term[1] + ":" })),
        validFor: /^[\w-]*$/,
      };
    }
    const word = context.matchBefore(/[A-Za-z_]\w*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    return {
      from: word.from,
      options: Object.keys(prefixes)
        .map((p) => ({ label: p + ":", type: "namespace", detail: prefixes[p] }))
        .concat(KEYWORDS.map((k) => ({ label: k, type: "keyword" }))),
      validFor: /^\w*$/,
    };
  };
}

const THEME = EditorView.theme({
  "&": { height: "18rem", fontSize: "13px", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace", lineHeight: "1.45" },
  "&.cm-focused": { outline: "2px solid #2271b1" },
});

function create(textarea, options) {
  const opts = options || {};
  const run = opts.onRun || (() => {});
  const host = document.createElement("div");
  host.className = "sparql-editor";
  const shadow = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    parent: shadow,
    root: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        StreamLanguage.define(sparql),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        autocompletion({ override: [completions(opts.prefixes || {}, opts.terms || {})] }),
        EditorView.lineWrapping,
        THEME,
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
        keymap.of([
          { key: "Mod-Enter", run: () => (run(), true) },
          ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab,
        ]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  textarea.parentNode.insertBefore(host, textarea);
  textarea.hidden = true;
  return {
    view,
    get value() {
      return view.state.doc.toString();
    },
    set value(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focus() {
      view.focus();
    },
  };
}

window.SparqlEditor = { create };
