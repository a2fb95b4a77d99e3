package mimedb

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The namespaces update-mime-database knows.
const (
	freeNS = "http://www.freedesktop.org/standards/shared-mime-info"
	xmlNS  = "http://www.w3.org/XML/1998/namespace"
)

type nodeKind uint8

const (
	elemNode nodeKind = iota
	textNode
	commentNode
	piNode
)

// ns is a namespace declaration (libxml2's xmlNs): prefix "" with
// hasPrefix false is the default namespace.
type ns struct {
	prefix    string
	hasPrefix bool
	href      string
}

// xmlNamespace is the namespace of the xml: prefix, declared nowhere.
var xmlNamespace = &ns{prefix: "xml", hasPrefix: true, href: xmlNS}

// attr is an attribute: ns is nil for one in no namespace.
type attr struct {
	ns    *ns
	name  string
	value string
}

// node is the part of libxml2's tree that update-mime-database reads
// and copies into the per-type files.
type node struct {
	kind     nodeKind
	name     string // element's local name (prefix:local when the prefix is unbound), PI's target
	ns       *ns
	nsDef    []*ns
	attrs    []attr
	children []*node
	parent   *node
	text     string // text, comment, PI content
	doc      *document
}

// document is a parsed packages file with what its internal DTD subset
// says that libxml2 uses: default attribute values, which xmlGetNsProp
// returns when the attribute is absent, and the attributes whose values
// are normalized as tokens.
type document struct {
	root     *node
	defaults map[[2]string]string // {element QName, attribute QName}
	tokens   map[[2]string]bool
}

// qname is the element's name as the DTD names it.
func (n *node) qname() string {
	if n.ns != nil && n.ns.hasPrefix {
		return n.ns.prefix + ":" + n.name
	}
	return n.name
}

// prop is xmlGetNsProp(node, name, NULL): the attribute in no namespace,
// else the DTD's default for it.
func (n *node) prop(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.ns == nil && a.name == name {
			return a.value, true
		}
	}
	if n.doc != nil {
		v, ok := n.doc.defaults[[2]string{n.qname(), name}]
		return v, ok
	}
	return "", false
}

// lang is xmlGetNsProp(node, "lang", XML_NAMESPACE).
func (n *node) lang() (string, bool) {
	for _, a := range n.attrs {
		if a.ns != nil && a.ns.href == xmlNS && a.name == "lang" {
			return a.value, true
		}
	}
	if n.doc != nil {
		v, ok := n.doc.defaults[[2]string{n.qname(), "xml:lang"}]
		return v, ok
	}
	return "", false
}

// is reports whether n is the element local in namespace uri.
func (n *node) is(uri, local string) bool {
	return n.kind == elemNode && n.ns != nil && n.ns.href == uri && n.name == local
}

// parseXML reads a packages file as xmlParseFile does, into a tree.
func parseXML(data []byte) (*document, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	doc := &document{defaults: map[[2]string]string{}, tokens: map[[2]string]bool{}}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var cur *node
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur == nil && doc.root != nil {
				return nil, errors.New("extra content at the end of the document")
			}
			n, err := doc.element(t, cur)
			if err != nil {
				return nil, err
			}
			if cur == nil {
				doc.root = n
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			if cur == nil || t.Name.Space != prefixOf(cur) || t.Name.Local != localOf(cur) {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("line %d: unexpected end tag </%s>", line, rawName(t.Name))
			}
			cur = cur.parent
		case xml.CharData:
			if cur == nil {
				if len(bytes.Trim(t, " \t\r\n")) != 0 {
					return nil, errors.New("text outside the document element")
				}
				continue
			}
			if k := len(cur.children); k > 0 && cur.children[k-1].kind == textNode {
				cur.children[k-1].text += string(t)
			} else {
				cur.children = append(cur.children, &node{kind: textNode, text: string(t), parent: cur, doc: doc})
			}
		case xml.Comment:
			if cur != nil {
				cur.children = append(cur.children, &node{kind: commentNode, text: string(t), parent: cur, doc: doc})
			}
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") {
				continue
			}
			if cur != nil {
				cur.children = append(cur.children, &node{kind: piNode, name: t.Target, text: string(t.Inst), parent: cur, doc: doc})
			}
		case xml.Directive:
			if cur != nil {
				return nil, errors.New("markup declaration inside the document element")
			}
			doc.readDTD(string(t))
		}
	}
	if doc.root == nil {
		return nil, errors.New("document is empty")
	}
	if cur != nil {
		return nil, fmt.Errorf("premature end of data in tag %s", rawName(xml.Name{Space: prefixOf(cur), Local: localOf(cur)}))
	}
	return doc, nil
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// prefixOf and localOf give back an element's name as written.
func prefixOf(n *node) string {
	if n.ns != nil && n.ns.hasPrefix {
		return n.ns.prefix
	}
	if p, _, ok := strings.Cut(n.name, ":"); ok {
		return p
	}
	return ""
}

func localOf(n *node) string {
	if n.ns == nil || !n.ns.hasPrefix {
		if _, l, ok := strings.Cut(n.name, ":"); ok {
			return l
		}
	}
	return n.name
}

// element makes the node of a start tag, resolving its namespaces as
// libxml2's SAX2 tree builder does.
func (doc *document) element(t xml.StartElement, parent *node) (*node, error) {
	n := &node{kind: elemNode, parent: parent, doc: doc}
	seen := map[xml.Name]bool{}
	var plain []xml.Attr
	for _, a := range t.Attr {
		if seen[a.Name] {
			return nil, fmt.Errorf("attribute %s redefined", rawName(a.Name))
		}
		seen[a.Name] = true
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			n.nsDef = append(n.nsDef, &ns{href: a.Value})
		case a.Name.Space == "xmlns":
			if a.Name.Local == "xml" {
				continue
			}
			n.nsDef = append(n.nsDef, &ns{prefix: a.Name.Local, hasPrefix: true, href: a.Value})
		default:
			plain = append(plain, a)
		}
	}
	qn := rawName(t.Name)
	// Namespace declarations the DTD gives by default.
	for _, dn := range []string{"xmlns"} {
		if v, ok := doc.defaults[[2]string{qn, dn}]; ok && !seen[xml.Name{Local: "xmlns"}] {
			if in := lookupNS(parent, "", false); in == nil || in.href != v {
				n.nsDef = append(n.nsDef, &ns{href: v})
			}
		}
	}
	for k, v := range doc.defaults {
		if k[0] == qn && strings.HasPrefix(k[1], "xmlns:") {
			p := k[1][len("xmlns:"):]
			if !seen[xml.Name{Space: "xmlns", Local: p}] && p != "xml" {
				n.nsDef = append(n.nsDef, &ns{prefix: p, hasPrefix: true, href: v})
			}
		}
	}
	n.name = t.Name.Local
	if t.Name.Space == "xml" {
		n.ns = xmlNamespace
	} else if t.Name.Space != "" {
		n.ns = lookupNS(n, t.Name.Space, true)
		if n.ns == nil {
			n.name = qn
		}
	} else if d := lookupNS(n, "", false); d != nil && d.href != "" {
		n.ns = d
	}
	for _, a := range plain {
		v := normalizeAttr(a.Value)
		if doc.tokens[[2]string{qn, rawName(a.Name)}] {
			v = collapseSpaces(v)
		}
		at := attr{name: a.Name.Local, value: v}
		switch a.Name.Space {
		case "":
		case "xml":
			at.ns = xmlNamespace
		default:
			at.ns = lookupNS(n, a.Name.Space, true)
			if at.ns == nil {
				at.name = rawName(a.Name)
			}
		}
		n.attrs = append(n.attrs, at)
	}
	return n, nil
}

// lookupNS finds the declaration of a prefix in scope at n.
func lookupNS(n *node, prefix string, hasPrefix bool) *ns {
	for ; n != nil; n = n.parent {
		for i := len(n.nsDef) - 1; i >= 0; i-- {
			d := n.nsDef[i]
			if d.hasPrefix == hasPrefix && d.prefix == prefix {
				return d
			}
		}
	}
	return nil
}

// normalizeAttr is XML's attribute-value normalization of literal
// whitespace (the decoder has already turned line ends into \n).
func normalizeAttr(v string) string {
	if !strings.ContainsAny(v, "\n\t") {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, v)
}

// collapseSpaces is the further normalization of an attribute whose
// declared type is not CDATA.
func collapseSpaces(v string) string {
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ' ' }), " ")
}

// charsetReader reads the encodings other than UTF-8 that a packages
// file may declare and that need no table.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "iso_8859-1", "l1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// readDTD reads the ATTLIST declarations of an internal DTD subset
// (the decoder gives the DOCTYPE without its comments).
func (doc *document) readDTD(s string) {
	for {
		i := strings.Index(s, "<!ATTLIST")
		if i < 0 {
			return
		}
		s = s[i+len("<!ATTLIST"):]
		toks, rest := dtdTokens(s)
		s = rest
		if len(toks) < 1 {
			continue
		}
		elem := toks[0]
		toks = toks[1:]
		for len(toks) >= 3 {
			name, typ := toks[0], toks[1]
			toks = toks[2:]
			if typ == "NOTATION" && len(toks) > 0 {
				toks = toks[1:]
			}
			if len(toks) == 0 {
				break
			}
			def := toks[0]
			toks = toks[1:]
			hasValue := true
			switch def {
			case "#REQUIRED", "#IMPLIED":
				hasValue = false
			case "#FIXED":
				if len(toks) == 0 {
					return
				}
				def = toks[0]
				toks = toks[1:]
			}
			key := [2]string{elem, name}
			if _, dup := doc.defaults[key]; dup {
				continue
			}
			if _, dup := doc.tokens[key]; dup {
				continue
			}
			if typ != "CDATA" {
				doc.tokens[key] = true
			} else {
				doc.tokens[key] = false
			}
			if hasValue && strings.HasPrefix(def, "\"") || hasValue && strings.HasPrefix(def, "'") {
				v := normalizeAttr(strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&quot;", "\"", "&apos;", "'").Replace(def[1 : len(def)-1]))
				if typ != "CDATA" {
					v = collapseSpaces(v)
				}
				doc.defaults[key] = v
			}
		}
	}
}

// dtdTokens splits an ATTLIST declaration up to its '>': names,
// parenthesized enumerations and quoted values are one token each.
func dtdTokens(s string) ([]string, string) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '>':
			return toks, s[i+1:]
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return toks, ""
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		case c == '(':
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return toks, ""
			}
			toks = append(toks, s[i:i+j+1])
			i += j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n>\"'(", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, ""
}
