// Package fuzzcheck holds the properties that several fuzz targets check
// on what the parsers produce: HTML that a browser cannot run, URLs that
// are absolute. It is imported by tests only.
package fuzzcheck

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// urlAttrs are the attributes a browser reads as URLs.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "cite": true, "poster": true,
	"background": true, "data": true, "codebase": true, "longdesc": true, "usemap": true,
	"srcset": true, "lowsrc": true, "dynsrc": true, "ping": true, "manifest": true, "icon": true,
	"xlink:href": true,
}

// SafeHTML parses s as an HTML fragment of a <div>, as a browser would,
// and returns an error naming the first thing a browser could run: a
// script element, an on* event handler attribute, a javascript:,
// vbscript: or data:text/html URL, or a CSS expression() in a style
// attribute or element.
func SafeHTML(s string) error {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return fmt.Errorf("fuzzcheck: parse HTML: %w", err)
	}
	for _, n := range nodes {
		if err := safeNode(n); err != nil {
			return err
		}
	}
	return nil
}

func safeNode(n *html.Node) error {
	if n.Type == html.ElementNode {
		if err := safeElement(n); err != nil {
			return err
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := safeNode(c); err != nil {
			return err
		}
	}
	return nil
}

func safeElement(n *html.Node) error {
	name := strings.ToLower(n.Data)
	if name == "script" {
		return fmt.Errorf("fuzzcheck: a <script> element survives")
	}
	if name == "style" && n.FirstChild != nil && hasExpression(n.FirstChild.Data) {
		return fmt.Errorf("fuzzcheck: a <style> with a CSS expression() survives")
	}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" {
			key = a.Namespace + ":" + key
		}
		switch {
		case strings.HasPrefix(key, "on"):
			return fmt.Errorf("fuzzcheck: event handler %s=%q on <%s> survives", a.Key, a.Val, n.Data)
		case key == "style" && hasExpression(a.Val):
			return fmt.Errorf("fuzzcheck: CSS expression() in style=%q on <%s> survives", a.Val, n.Data)
		case urlAttrs[key] && RunnableURL(a.Val):
			return fmt.Errorf("fuzzcheck: runnable URL %s=%q on <%s> survives", a.Key, a.Val, n.Data)
		}
	}
	return nil
}

// hasExpression reports whether CSS text holds expression( once comments,
// escapes and blank space are ignored as loosely as old IE did.
func hasExpression(css string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(css) {
		if r > ' ' && r != '\\' && r != '/' && r != '*' {
			b.WriteRune(r)
		}
	}
	return strings.Contains(b.String(), "expression(")
}

// RunnableURL reports whether an attribute value (entity-decoded) is a
// URL a browser would run: javascript:, vbscript: or data:text/html,
// after the browser's stripping of leading and trailing C0 controls and
// spaces and of every tab and newline.
func RunnableURL(v string) bool {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	v = strings.ToLower(v)
	for _, bad := range []string{"javascript:", "vbscript:", "data:text/html"} {
		if strings.HasPrefix(v, bad) {
			return true
		}
	}
	return false
}

// AbsURL returns an error unless s is empty or an absolute URL (one that
// parses and has a scheme).
func AbsURL(what, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("fuzzcheck: %s %q is not an absolute URL", what, s)
	}
	return nil
}

// HTTPURL returns an error unless s is empty or an absolute http(s) URL
// with a host.
func HTTPURL(what, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("fuzzcheck: %s %q is not an absolute http(s) URL", what, s)
	}
	return nil
}
