package mimedb

import (
	"bytes"
	"strings"
)

// copyNode is xmlDocCopyNode(n, doc, 1) for the per-type document: the
// copy keeps the namespace declarations n makes, and a namespace used by
// the copy (or by what it holds) that the copy does not declare is
// declared on the copy itself, as libxml2 does for a node copied out of
// its tree.
func copyNode(n, parent *node) *node {
	c := &node{kind: n.kind, name: n.name, text: n.text, parent: parent}
	if n.kind != elemNode {
		return c
	}
	for _, d := range n.nsDef {
		dc := *d
		c.nsDef = append(c.nsDef, &dc)
	}
	if n.ns != nil {
		if found := searchNS(c, n.ns); found != nil {
			c.ns = found
		} else {
			c.ns = newNS(top(c), n.ns)
		}
	}
	for _, a := range n.attrs {
		ca := attr{name: a.name, value: a.value}
		if a.ns != nil {
			if found := searchNS(c, a.ns); found != nil {
				ca.ns = found
			} else {
				ca.ns = newNS(top(c), a.ns)
			}
		}
		c.attrs = append(c.attrs, ca)
	}
	for _, ch := range n.children {
		c.children = append(c.children, copyNode(ch, c))
	}
	return c
}

func top(n *node) *node {
	for n.parent != nil {
		n = n.parent
	}
	return n
}

// searchNS is xmlSearchNs(doc, n, prefix) in the copy.
func searchNS(n *node, want *ns) *ns {
	if want.hasPrefix && want.prefix == "xml" {
		return xmlNamespace
	}
	orig := n
	for ; n != nil; n = n.parent {
		for _, d := range n.nsDef {
			if d.hasPrefix == want.hasPrefix && d.prefix == want.prefix {
				return d
			}
		}
		if n != orig && n.ns != nil && n.ns.hasPrefix == want.hasPrefix && n.ns.prefix == want.prefix {
			return n.ns
		}
	}
	return nil
}

// newNS is xmlNewNs(n, href, prefix): nil when n already declares the
// prefix.
func newNS(n *node, d *ns) *ns {
	for _, e := range n.nsDef {
		if e.hasPrefix == d.hasPrefix && e.prefix == d.prefix {
			return nil
		}
	}
	dc := *d
	n.nsDef = append(n.nsDef, &dc)
	return &dc
}

// typeDoc is the document update-mime-database writes for one type.
type typeDoc struct {
	children []*node
}

// xmlIndent is libxml2's indentation: two spaces a level, at most 30
// levels.
const xmlIndent = "                                                            "

func indent(b *bytes.Buffer, level int) {
	b.WriteString(xmlIndent[:2*min(level, 30)])
}

// bytes is xmlSaveFormatFileEnc(file, doc, "utf-8", 1) of the type's
// document.
func (t *typeDoc) bytes(name string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
	b.WriteString("<mime-type xmlns=\"" + freeNS + "\" type=\"")
	escapeAttr(&b, name)
	b.WriteString("\">\n")
	for _, c := range t.children {
		dumpNode(&b, c, 1, true)
		b.WriteByte('\n')
	}
	b.WriteString("</mime-type>\n")
	return b.Bytes()
}

// dumpNode is libxml2 2.9's xmlNodeDumpOutputInternal for a node below
// the document element.
func dumpNode(b *bytes.Buffer, n *node, level int, format bool) {
	switch n.kind {
	case textNode:
		escapeText(b, n.text)
	case commentNode:
		if format {
			indent(b, level)
		}
		b.WriteString("<!--" + n.text + "-->")
	case piNode:
		if format {
			indent(b, level)
		}
		b.WriteString("<?" + n.name)
		if n.text != "" {
			b.WriteString(" " + n.text)
		}
		b.WriteString("?>")
	case elemNode:
		if format {
			indent(b, level)
		}
		qn := n.name
		if n.ns != nil && n.ns.hasPrefix {
			qn = n.ns.prefix + ":" + n.name
		}
		b.WriteString("<" + qn)
		for _, d := range n.nsDef {
			if d.hasPrefix && d.prefix == "xml" {
				continue
			}
			b.WriteString(" xmlns")
			if d.hasPrefix {
				b.WriteString(":" + d.prefix)
			}
			b.WriteByte('=')
			quoted(b, d.href)
		}
		for _, a := range n.attrs {
			b.WriteByte(' ')
			if a.ns != nil && a.ns.hasPrefix {
				b.WriteString(a.ns.prefix + ":")
			}
			b.WriteString(a.name + "=\"")
			escapeAttr(b, a.value)
			b.WriteByte('"')
		}
		if len(n.children) == 0 {
			b.WriteString("/>")
			return
		}
		inner := format
		for _, c := range n.children {
			if c.kind == textNode {
				inner = false
				break
			}
		}
		b.WriteByte('>')
		if inner {
			b.WriteByte('\n')
		}
		for _, c := range n.children {
			dumpNode(b, c, level+1, inner)
			if inner {
				b.WriteByte('\n')
			}
		}
		if inner {
			indent(b, level)
		}
		b.WriteString("</" + qn + ">")
	}
}

// quoted is xmlBufWriteQuotedString.
func quoted(b *bytes.Buffer, s string) {
	switch {
	case !strings.Contains(s, `"`):
		b.WriteString(`"` + s + `"`)
	case !strings.Contains(s, "'"):
		b.WriteString("'" + s + "'")
	default:
		b.WriteString(`"` + strings.ReplaceAll(s, `"`, "&quot;") + `"`)
	}
}

// textEscaper is libxml2's xmlEscapeContent.
var textEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", "\r", "&#13;")

// attrEscaper is xmlBufAttrSerializeTxtContent for a document with an
// encoding (UTF-8 is written as it is).
var attrEscaper = strings.NewReplacer("\n", "&#10;", "\r", "&#13;", "\t", "&#9;", `"`, "&quot;", "<", "&lt;", ">", "&gt;", "&", "&amp;")

func escapeText(b *bytes.Buffer, s string) { _, _ = textEscaper.WriteString(b, s) }

func escapeAttr(b *bytes.Buffer, s string) { _, _ = attrEscaper.WriteString(b, s) }
