import { escapeHtml, Fragment, jsx, raw } from './jsx-runtime';

describe('the pages JSX runtime', () => {
  it('escapes text and attribute values', () => {
    const html = jsx('p', { title: '"><script>', children: ['<b>&', 3, null, false, true] });
    expect(html.value).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp;3</p>');
  });

  it('renders void elements, boolean attributes and fragments', () => {
    expect(jsx('input', { required: true, disabled: false, name: 'q' }).value).toBe(
      '<input required name="q">',
    );
    expect(Fragment({ children: [jsx('br', {}), 'x', raw('<!-- trusted -->')] }).value).toBe(
      '<br>x<!-- trusted -->',
    );
  });

  it('refuses element and attribute names that would break out of the markup', () => {
    expect(() => jsx('p onclick=x', {})).toThrow(/element name/);
    expect(() => jsx('p', { 'a"b': 'x' })).toThrow(/attribute name/);
  });

  it('calls components with their props', () => {
    const Hello = (p: { name: string }) => jsx('span', { children: `Hello ${p.name}` });
    expect(jsx(Hello, { name: '<you>' }).value).toBe('<span>Hello &lt;you&gt;</span>');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });
});
