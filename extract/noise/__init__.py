"""Find and remove a page's noise by what it is, never by a site's class names or ids.

Noise kinds: sections under a recommendation / comment heading (相关推荐, 大家都在搜, 相关问题,
网友评论 …), runs of same-shape sibling cards that each link to another page, breadcrumbs,
print / close links, share bars, app banners, footers (ICP lines, 版权所有), and structural
boilerplate (nav, aside, footer, forms). The links of removed recommendation blocks are kept as
``related``: they are the crawler's best discovery links.

- :mod:`extract.noise.words`: the words and patterns noise is recognized by (data);
- :mod:`extract.noise.lines`: the line classifier (noise heading? boilerplate line?);
- :mod:`extract.noise.sections`: sections opened by a noise heading;
- :mod:`extract.noise.cards`: runs of link cards and of comments;
- :mod:`extract.noise.clean`: the two cleaning stages the extractor runs;
- :mod:`extract.noise.report`, :mod:`extract.noise.tree`: what the cleaning found; tree helpers.
"""
