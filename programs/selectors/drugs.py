"""drugs"""
