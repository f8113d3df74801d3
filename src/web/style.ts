/** The pages' stylesheet, served as /static/style.css (the CSP allows no inline style). Phone first. */
export const STYLE_CSS = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:46rem;padding:0 1rem 3rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fff}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;padding:1rem 0;border-bottom:1px solid #ddd}
header.site .brand{font-weight:700;text-decoration:none;color:inherit}
nav a{margin-right:.75rem}
a{color:#0645ad}
h1{font-size:1.4rem;margin:1rem 0 .25rem}
h2{font-size:1.1rem;margin:1.25rem 0 .4rem;line-height:1.3}
.story h2{margin:0 0 .25rem}
.story{padding:1rem 0;border-bottom:1px solid #eee}
.meta{color:#555;font-size:.875rem;margin:.1rem 0 .4rem}
.grew{background:#e6f4ea;color:#135c2b;border-radius:.25rem;padding:0 .3rem;white-space:nowrap}
.summary{margin:.25rem 0 .5rem}
ul.outlets{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem;font-size:.9rem}
ul.outlets li.new::after{content:" new";color:#135c2b;font-size:.75rem}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1.5rem 0}
form.tz{display:flex;gap:.5rem;align-items:center;font-size:.875rem;margin:.5rem 0}
input,button{font:inherit;padding:.3rem .5rem}
table{border-collapse:collapse;width:100%;font-size:.875rem;display:block;overflow-x:auto}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
.bad{color:#a50e0e}
.why{font-size:.875rem;color:#444;margin:.2rem 0 0 1rem}
.articles>li{margin:.6rem 0}
.notice{background:#fff4e5;padding:.5rem .75rem;border-radius:.25rem}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8ab4f8}.meta,.why{color:#aaa}.story,th,td{border-color:#333}.notice{background:#3a2a10}.grew{background:#17361f;color:#a8e0b5}}
`;
