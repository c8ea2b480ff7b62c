from clearanalytics.cli import main

main()
