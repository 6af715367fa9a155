-- One database per subgraph: no table is shared, no foreign key crosses subgraphs.
CREATE DATABASE users;
CREATE DATABASE products;
CREATE DATABASE orders;
CREATE DATABASE posts;
