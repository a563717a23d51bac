"""The bundled sample site: two small 医保 Q&A sites (a health portal and a city 医保局) in two editions.

``seeds`` turns the five real page dumps into structured data, ``generate`` writes the static pages,
``server`` serves them on 127.0.0.1 for the demo, the tests and the benchmarks.
"""
