/* option hash: fragment changes are page changes, as data-hash says */
hash=1;
