"""The related-lists engine: an article's words (`terms`), how close two articles are (`scoring`), relating
one article and keeping every list true as articles change (`relator`), and relating many together as an
import's records arrive (`batch`, over the index and lists views of `batch_index` and `batch_lists`)."""
