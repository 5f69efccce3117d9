PREFIX ex: <http://example.org/>
INSERT DATA { GRAPH <urn:fuzz:g> { ex:s ex:p "o"@en , 1 , ex:o2 . _:b ex:q ( 1 2 3 ) } }
